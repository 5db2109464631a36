// bench:web's Lighthouse part (issue 11): the signed-in wallet route and a bare Vue 3 + qrcode
// floor page built by the same Vite, measured in one run, side by side with their ratios.
// BENCH_WEB_BEFORE=DIR adds a third page in the same run: another checkout (e.g. main, with its
// node_modules) built and served from its own directory, for a same-run before/after.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Fastify from 'fastify';
import fastifyStatic from '@fastify/static';
import { lighthouseMedians, LIGHTHOUSE_VERSION, type LighthouseFigures } from './support/lighthouse.ts';
import { signInHolders } from './support/load-runner.ts';
import { startEmbedded, type Server } from './support/processes.ts';

const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 3);

async function serveFloor(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const app = Fastify({ logger: false });
  await app.register(fastifyStatic, { root: dir, preCompressed: true, index: false });
  app.get('/', (_req, reply) => reply.sendFile('index.html'));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`, close: () => app.close() };
}

/** Builds another checkout's web app into `outDir` with that checkout's own build steps. */
function buildCheckout(dir: string, outDir: string): void {
  const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: dir, stdio: 'inherit' });
  if (existsSync(join(dir, 'scripts/build-web.mjs'))) run(['scripts/build-web.mjs', outDir]);
  else {
    run(['node_modules/vite/bin/vite.js', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn']);
    run(['scripts/precompress.mjs', outDir]);
  }
}

/** The server of another checkout (startEmbedded runs from BENCH_APP_DIR when it is set). */
async function startFrom(dir: string, env: Record<string, string>): Promise<Server> {
  const saved = process.env.BENCH_APP_DIR;
  process.env.BENCH_APP_DIR = dir;
  try {
    return await startEmbedded(env);
  } finally {
    if (saved === undefined) delete process.env.BENCH_APP_DIR;
    else process.env.BENCH_APP_DIR = saved;
  }
}

const load = () => loadavg().map((n) => n.toFixed(1)).join(' ');

export async function lighthouseSection(appDist: string): Promise<void> {
  const floorDist = mkdtempSync(join(tmpdir(), 'ecert-bench-floor-'));
  const beforeDir = process.env.BENCH_WEB_BEFORE ? resolve(process.env.BENCH_WEB_BEFORE) : null;
  const beforeDist = beforeDir ? mkdtempSync(join(tmpdir(), 'ecert-bench-before-')) : null;
  const app = await startEmbedded({ WEB_DIST: appDist });
  let before: Server | undefined;
  let floor: Awaited<ReturnType<typeof serveFloor>> | undefined;
  try {
    execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'bench/floor/vite.config.ts', '--outDir', floorDist, '--emptyOutDir', '--logLevel', 'warn'], { stdio: 'inherit' });
    execFileSync(process.execPath, ['scripts/precompress.mjs', floorDist], { stdio: 'inherit' });
    floor = await serveFloor(floorDist);
    if (beforeDir && beforeDist) {
      buildCheckout(beforeDir, beforeDist);
      before = await startFrom(beforeDir, { WEB_DIST: beforeDist });
    }
    const [holder] = (await signInHolders(app.origin, 1, 1)).holders;
    const [beforeHolder] = before ? (await signInHolders(before.origin, 1, 1)).holders : [];
    if (!holder || (before && !beforeHolder)) throw new Error('could not sign zhangsan in for Lighthouse');
    const pages = [{ url: floor.url }, { url: `${app.origin}/`, headers: { Cookie: holder.cookie } }];
    if (before && beforeHolder) pages.push({ url: `${before.origin}/`, headers: { Cookie: beforeHolder.cookie } });
    console.log(`\nLighthouse ${LIGHTHOUSE_VERSION} (mobile, simulated throttling, median of ${RUNS}, pages alternating): floor vs signed-in wallet${before ? ` (this checkout) and before (${beforeDir})` : ''}`);
    console.log(`  load average at start: ${load()}`);
    const [f, w, b] = await lighthouseMedians(pages, RUNS);
    console.log(`  load average at end:   ${load()}`);
    print(f!, w!, b);
  } finally {
    await floor?.close();
    await before?.stop();
    await app.stop();
    rmSync(floorDist, { recursive: true, force: true });
    if (beforeDist) rmSync(beforeDist, { recursive: true, force: true });
  }
}

function print(f: LighthouseFigures, w: LighthouseFigures, b?: LighthouseFigures): void {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const rows: Array<[string, (x: LighthouseFigures) => string, (x: LighthouseFigures) => string]> = [
    ['performance score', (x) => x.performance.toFixed(0), (x) => `${(x.performance - f.performance).toFixed(0)} points`],
    ['LCP', (x) => s(x.lcpMs), (x) => `${(x.lcpMs / f.lcpMs).toFixed(2)}×`],
    ['TBT', (x) => `${x.tbtMs.toFixed(0)} ms`, (x) => `${(x.tbtMs / Math.max(1, f.tbtMs)).toFixed(2)}×`],
    ['CLS', (x) => x.cls.toFixed(3), () => ''],
    ['first-load JS (transfer)', (x) => kb(x.jsBytes), (x) => `${(x.jsBytes / f.jsBytes).toFixed(2)}×`],
    ['first-load CSS (transfer)', (x) => kb(x.cssBytes), (x) => (f.cssBytes ? `${(x.cssBytes / f.cssBytes).toFixed(2)}×` : '—')],
    ['accessibility', (x) => x.accessibility.toFixed(0), () => ''],
    ['best practices', (x) => x.bestPractices.toFixed(0), () => ''],
  ];
  const head = `  ${''.padEnd(26)} ${'floor'.padStart(10)} ${'wallet'.padStart(10)}   ${'wallet vs floor'.padEnd(16)}`;
  console.log(b ? `${head} ${'before'.padStart(10)}   before vs floor` : head);
  for (const [k, v, r] of rows) {
    const line = `  ${k.padEnd(26)} ${v(f).padStart(10)} ${v(w).padStart(10)}   ${r(w).padEnd(16)}`;
    console.log(b ? `${line} ${v(b).padStart(10)}   ${r(b)}` : line);
  }
  console.log(`  LCP element (wallet): ${w.lcpElement}${b ? `; before: ${b.lcpElement}` : ''}; floor: ${f.lcpElement}`);
  const checks = [
    [`score within 3 points of the floor`, f.performance - w.performance <= 3],
    [`LCP ≤ 1.3× the floor's`, w.lcpMs <= 1.3 * f.lcpMs],
    [`TBT ≤ 1.5× the floor's`, w.tbtMs <= 1.5 * Math.max(1, f.tbtMs)],
    ['accessibility 100', w.accessibility === 100],
  ] as const;
  console.log(`  issue 11 aims: ${checks.map(([k, ok]) => `${k} ${ok ? 'met' : 'NOT met'}`).join('; ')}`);
}
