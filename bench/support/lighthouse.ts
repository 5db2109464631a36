// Lighthouse for bench:web, pinned to 12.2.3 and installed on first use into a cache directory
// (not a dependency of the app: it is ~100 MB and only benches need it), run against Debian's
// Chromium with its default mobile settings (simulated throttling).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM_FLAGS } from '../../tests/support/e2e.ts';

export const LIGHTHOUSE_VERSION = '12.2.3';
const CACHE = process.env.LIGHTHOUSE_DIR ?? join(homedir(), '.cache', 'ecert-bench', `lighthouse-${LIGHTHOUSE_VERSION}`);

export interface LighthouseFigures {
  performance: number;
  accessibility: number;
  bestPractices: number;
  lcpMs: number;
  tbtMs: number;
  cls: number;
  /** What Lighthouse named as the largest contentful paint (its selector), from the median run's page. */
  lcpElement: string;
  /** Transfer sizes of what the page loaded, bytes. */
  jsBytes: number;
  cssBytes: number;
}

interface Lhr {
  categories: Record<string, { score: number | null }>;
  audits: Record<string, { numericValue?: number; errorMessage?: string; details?: { items?: Array<{ resourceType?: string; transferSize?: number; items?: Array<{ node?: { selector?: string; nodeLabel?: string } }> }> } }>;
  runtimeError?: { message: string };
}
type LighthouseFn = (url: string, flags: Record<string, unknown>) => Promise<{ lhr: Lhr } | undefined>;
interface ChromeLauncher { launch(o: { chromePath: string; chromeFlags: string[] }): Promise<{ port: number; kill(): void | Promise<void> }> }

async function load(): Promise<{ lighthouse: LighthouseFn; launcher: ChromeLauncher }> {
  const pkg = join(CACHE, 'node_modules', 'lighthouse', 'package.json');
  if (!existsSync(pkg)) {
    console.log(`Installing Lighthouse ${LIGHTHOUSE_VERSION} into ${CACHE} (first run only) …`);
    mkdirSync(CACHE, { recursive: true });
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', CACHE, `lighthouse@${LIGHTHOUSE_VERSION}`], { stdio: 'inherit' });
  }
  const lighthouse = (await import(pathToFileURL(join(CACHE, 'node_modules', 'lighthouse', 'core', 'index.js')).href) as { default: LighthouseFn }).default;
  const launcher = await import(pathToFileURL(join(CACHE, 'node_modules', 'chrome-launcher', 'dist', 'index.js')).href) as ChromeLauncher;
  return { lighthouse, launcher };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function lcpElementOf(lhr: Lhr): string {
  const audit = lhr.audits['largest-contentful-paint-element'];
  const node = audit?.details?.items?.[0]?.items?.[0]?.node;
  if (node) return `${node.selector ?? '?'} ("${(node.nodeLabel ?? '').slice(0, 30)}")`;
  return `(not reported${audit?.errorMessage ? `: ${audit.errorMessage.slice(0, 60)}` : ''})`;
}

/**
 * One Lighthouse run. A trace that failed to record (NO_NAVSTART and the like, which a busy
 * machine provokes) is run again, up to twice; anything else stops the bench.
 */
async function audit(lighthouse: LighthouseFn, port: number, page: { url: string; headers?: Record<string, string> }): Promise<Lhr> {
  for (let attempt = 1; ; attempt++) {
    const out = await lighthouse(page.url, {
      port, output: 'json', logLevel: 'error',
      onlyCategories: ['performance', 'accessibility', 'best-practices'],
      ...(page.headers ? { extraHeaders: page.headers } : {}),
    });
    if (!out) throw new Error(`Lighthouse returned nothing for ${page.url}`);
    const { lhr } = out;
    if (!lhr.runtimeError) return lhr;
    if (attempt >= 3 || !/NO_NAVSTART|NO_FCP|NO_LCP|TRACE/i.test(lhr.runtimeError.message)) throw new Error(`Lighthouse: ${lhr.runtimeError.message}`);
    console.log(`  (Lighthouse: ${lhr.runtimeError.message.slice(-40)}; running that page again)`);
  }
}

/** Median of `runs` Lighthouse runs per page, pages alternating so both see the same machine. */
export async function lighthouseMedians(pages: Array<{ url: string; headers?: Record<string, string> }>, runs: number): Promise<LighthouseFigures[]> {
  const { lighthouse, launcher } = await load();
  const chrome = await launcher.launch({ chromePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', chromeFlags: CHROMIUM_FLAGS });
  const results: LighthouseFigures[][] = pages.map(() => []);
  try {
    for (let r = 0; r < runs; r++) {
      for (const [i, page] of pages.entries()) {
        const lhr = await audit(lighthouse, chrome.port, page);
        const items = lhr.audits['network-requests']?.details?.items ?? [];
        const bytes = (type: string) => items.filter((x) => x.resourceType === type).reduce((n, x) => n + (x.transferSize ?? 0), 0);
        results[i]!.push({
          performance: (lhr.categories.performance?.score ?? 0) * 100,
          accessibility: (lhr.categories.accessibility?.score ?? 0) * 100,
          bestPractices: (lhr.categories['best-practices']?.score ?? 0) * 100,
          lcpMs: lhr.audits['largest-contentful-paint']?.numericValue ?? NaN,
          tbtMs: lhr.audits['total-blocking-time']?.numericValue ?? NaN,
          cls: lhr.audits['cumulative-layout-shift']?.numericValue ?? NaN,
          lcpElement: lcpElementOf(lhr),
          jsBytes: bytes('Script'),
          cssBytes: bytes('Stylesheet'),
        });
      }
    }
  } finally {
    await chrome.kill();
  }
  return results.map((rs) => {
    const keys = (Object.keys(rs[0]!) as Array<keyof LighthouseFigures>).filter((k) => k !== 'lcpElement');
    const figures = Object.fromEntries(keys.map((k) => [k, median(rs.map((x) => x[k] as number))])) as unknown as LighthouseFigures;
    // The element of the run whose LCP is the median.
    figures.lcpElement = rs.find((x) => x.lcpMs === figures.lcpMs)?.lcpElement ?? rs[0]!.lcpElement;
    return figures;
  });
}
