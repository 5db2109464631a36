// npm run bench:web — what the holder's phone downloads and waits for.
//  1. Builds the app into a temporary directory (with Vite's manifest) and reports the gzip size
//     of the wallet route's first load (index.html's entry, its static imports, WalletView and
//     its static imports), of the lazy QR encoder chunk, and of the scanner chunk when one exists.
//  2. Serves that build with the real server and sandbox, signs in as zhangsan in Chromium, and
//     times tapping "同意并生成用证码" on the consent page until the QR is painted (median of runs).
//  3. Lighthouse 12.2.3 on the signed-in wallet route and on a bare Vue 3 + qrcode floor page
//     built by the same Vite, in the same run, with their ratios (web-lighthouse.ts; skip with
//     BENCH_LIGHTHOUSE=0).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { launchBrowser, phoneContext, startApp } from '../tests/support/e2e.ts';
import { lighthouseSection } from './web-lighthouse.ts';

const BUDGET_KB = 60;
const REFERENCES: Array<[string, number]> = [
  ['bare Vue + qrcode', 33],
  ['walt.id web wallet', 157],
  ['Inji Verify', 851],
];
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
// Lighthouse on three pages (BENCH_WEB_BEFORE) takes a while on a busy two-core machine.
const DEADLINE_MS = 1_800_000;

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
  assets?: string[];
}
type Manifest = Record<string, ManifestChunk>;

const watchdog = setTimeout(() => {
  process.stderr.write(`bench:web gave up after ${DEADLINE_MS / 1000} s\n`);
  process.exit(2);
}, DEADLINE_MS);

const kb = (bytes: number) => bytes / 1024;
const fmt = (bytes: number) => `${kb(bytes).toFixed(1)} KB`;

function gzipSize(dir: string, file: string): number {
  return gzipSync(readFileSync(join(dir, file)), { level: 9 }).length;
}

/** A chunk's own file, its CSS and, recursively, its static imports' (the browser fetches them all before running it). */
function closure(manifest: Manifest, keys: string[], into = new Set<string>()): Set<string> {
  for (const key of keys) {
    const chunk = manifest[key];
    if (!chunk || into.has(chunk.file)) continue;
    into.add(chunk.file);
    for (const css of chunk.css ?? []) into.add(css);
    closure(manifest, chunk.imports ?? [], into);
  }
  return into;
}

function total(dir: string, files: Iterable<string>): { js: number; css: number; all: number } {
  let js = 0;
  let css = 0;
  for (const f of files) {
    const size = gzipSize(dir, f);
    if (f.endsWith('.css')) css += size;
    else js += size;
  }
  return { js, css, all: js + css };
}

function findKey(manifest: Manifest, test: (key: string) => boolean): string | undefined {
  return Object.keys(manifest).find(test);
}

function sizes(outDir: string): void {
  const manifest = JSON.parse(readFileSync(join(outDir, '.vite/manifest.json'), 'utf8')) as Manifest;
  const entryKey = findKey(manifest, (k) => manifest[k]!.isEntry === true);
  const walletKey = findKey(manifest, (k) => k.endsWith('views/wallet/WalletView.vue'));
  if (!entryKey || !walletKey) throw new Error('manifest lacks the entry or the wallet route');

  const initial = closure(manifest, [entryKey]);
  const wallet = closure(manifest, [walletKey], new Set(initial));
  const first = total(outDir, wallet);
  const entryOnly = total(outDir, initial);

  console.log('\nWallet route, first load (gzip -9):');
  console.log(`  entry + static imports   ${fmt(entryOnly.all)}  (JS ${fmt(entryOnly.js)}, CSS ${fmt(entryOnly.css)})`);
  console.log(`  + WalletView chunk(s)    ${fmt(first.all)}  (JS ${fmt(first.js)}, CSS ${fmt(first.css)}) in ${wallet.size} files`);
  console.log(`  vs ${BUDGET_KB} KB budget         ${(kb(first.all) / BUDGET_KB).toFixed(2)}×  ${kb(first.all) <= BUDGET_KB ? 'within budget' : 'OVER BUDGET'}`);
  for (const [name, ref] of REFERENCES) console.log(`  vs ${name.padEnd(22)} ${(kb(first.all) / ref).toFixed(2)}×  (${ref} KB)`);
  const byFile = [...wallet].map((f) => [f, gzipSize(outDir, f)] as const).sort((x, y) => y[1] - x[1]);
  console.log(`  largest: ${byFile.slice(0, 5).map(([f, n]) => `${f.replace(/^assets\//, '')} ${fmt(n)}`).join(', ')}`);

  const lazy = (label: string, key: string | undefined) => {
    if (!key) return false;
    const own = manifest[key]!;
    const alone = total(outDir, [own.file, ...(own.css ?? [])]);
    const withDeps = total(outDir, [...closure(manifest, [key])].filter((f) => !wallet.has(f)));
    console.log(`  ${label.padEnd(24)} ${fmt(alone.all)} alone, ${fmt(withDeps.all)} with what the wallet has not loaded  (${own.file})`);
    return true;
  };

  console.log('\nLazy chunks (gzip -9):');
  lazy('QR encoder (qrcode)', findKey(manifest, (k) => /node_modules\/qrcode\//.test(k)));
  for (const [label, re] of [
    ['consent page', /views\/usage\/AuthoriseView\.vue$/],
    ['usage-code page', /views\/usage\/UsageCodeView\.vue$/],
    ['history page', /views\/usage\/HistoryView\.vue$/],
  ] as const) lazy(label, findKey(manifest, (k) => re.test(k)));
  // Issue 6: the counter's scanner, once it exists (barcode-detector / zxing-wasm, qr-scanner or jsQR).
  const scannerKeys = Object.keys(manifest).filter((k) => manifest[k]!.file.endsWith('.js')
    && /node_modules\/(barcode-detector|zxing-wasm|qr-scanner|jsqr)\/|composables\/useScanner/.test(k));
  if (scannerKeys.length === 0) console.log('  scanner                  (no scanner chunk in this build)');
  for (const k of scannerKeys) lazy(`scanner: ${k.split('node_modules/')[1]?.split('/')[0] ?? k.split('/').pop()}`, k);
  for (const chunk of Object.values(manifest)) {
    for (const asset of chunk.assets ?? []) {
      if (asset.endsWith('.wasm')) console.log(`  wasm asset               ${fmt(gzipSize(outDir, asset))} gzip, ${fmt(statSync(join(outDir, asset)).size)} raw  (${asset})`);
    }
  }
}

// Issue 12 (embedding): the host SDK portals load from us, a hand-written file from public/.
function sdkSize(outDir: string): void {
  const file = 'embed.js';
  if (!existsSync(join(outDir, file))) return;
  console.log(`\nHost SDK /embed.js (gzip -9): ${fmt(gzipSize(outDir, file))}, ${fmt(statSync(join(outDir, file)).size)} raw`);
}

async function signIn(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/login`);
  await page.getByRole('button', { name: '统一身份认证登录' }).click();
  await page.locator('#account').fill('zhangsan');
  await page.locator('#password').fill('demo123456');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(`${origin}/`);
}

/**
 * Tap confirm and wait, in the page's own clock, until the QR has been painted. A string, so the
 * TypeScript loader's helpers (esbuild's __name) do not leak into the page.
 */
const TAP_TO_QR = `new Promise((resolve) => {
  const button = document.querySelector('[data-testid="consent-confirm"]');
  let t0 = 0;
  const painted = () => {
    const qr = document.querySelector('[data-testid="usage-qr"]');
    if (!qr || qr.getBoundingClientRect().width === 0) return false;
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
    return true;
  };
  new MutationObserver((_, obs) => { if (painted()) obs.disconnect(); }).observe(document.body, { childList: true, subtree: true });
  t0 = performance.now();
  button.click();
})`;

function tapToQr(page: Page): Promise<number> {
  return page.evaluate(TAP_TO_QR) as Promise<number>;
}

async function timing(outDir: string): Promise<void> {
  const app = await startApp({ WEB_DIST: outDir });
  const browser = await launchBrowser();
  try {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await signIn(page, app.origin);
    const { licenses } = await page.evaluate(() => fetch('/api/licenses').then((r) => r.json())) as { licenses: Array<{ licenseCode: string; name: string; state: string }> };
    const target = licenses.find((l) => l.name === '居民户口簿' && l.state === 'valid') ?? licenses.find((l) => l.state === 'valid');
    if (!target) throw new Error('zhangsan has no usable certificate');

    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // A fresh page each run: the route chunks come from the HTTP cache, the app state does not.
      const tab = await context.newPage();
      await tab.goto(`${app.origin}/licenses/${encodeURIComponent(target.licenseCode)}/authorise`);
      await tab.getByRole('radio').first().check();
      const sensitive = tab.getByTestId('sensitive-consent');
      if (await sensitive.count()) await sensitive.check();
      runs.push(await tapToQr(tab));
      await tab.close();
    }
    const sorted = [...runs].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(`\nConfirm → QR visible (Chromium, 390×844, ${target.name}, ${RUNS} runs):`);
    console.log(`  median ${median.toFixed(0)} ms   first (cold chunks) ${runs[0]!.toFixed(0)} ms   min ${sorted[0]!.toFixed(0)} ms   max ${sorted.at(-1)!.toFixed(0)} ms`);
    console.log(`  runs: ${runs.map((r) => r.toFixed(0)).join(', ')} ms`);
  } finally {
    await browser.close();
    await app.stop();
  }
}

const outDir = mkdtempSync(join(tmpdir(), 'ecert-bench-web-'));
try {
  console.log(`Building into ${outDir} …`);
  // The page's bundle with Vite's manifest, the first-screen renderer (.ssr/), pre-compressed copies.
  execFileSync(process.execPath, ['scripts/build-web.mjs', outDir, '--manifest'], { stdio: 'inherit' });
  if (!existsSync(join(outDir, '.vite/manifest.json'))) throw new Error('vite wrote no manifest');
  sizes(outDir);
  sdkSize(outDir);
  // BENCH_TIMING=0 skips the confirm → QR timing (e.g. to run Lighthouse alone on a busy machine).
  if (process.env.BENCH_TIMING !== '0') await timing(outDir);
  if (process.env.BENCH_LIGHTHOUSE !== '0') await lighthouseSection(outDir);
} finally {
  rmSync(outDir, { recursive: true, force: true });
  clearTimeout(watchdog);
}
