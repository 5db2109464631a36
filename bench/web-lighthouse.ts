// bench:web's Lighthouse part (issue 11): the signed-in wallet route and a bare Vue 3 + qrcode
// floor page built by the same Vite, measured in one run, side by side with their ratios.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import fastifyStatic from '@fastify/static';
import { lighthouseMedians, LIGHTHOUSE_VERSION, type LighthouseFigures } from './support/lighthouse.ts';
import { signInHolders } from './support/load-runner.ts';
import { startEmbedded } from './support/processes.ts';

const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 3);

async function serveFloor(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const app = Fastify({ logger: false });
  await app.register(fastifyStatic, { root: dir, preCompressed: true, index: false });
  app.get('/', (_req, reply) => reply.sendFile('index.html'));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`, close: () => app.close() };
}

export async function lighthouseSection(appDist: string): Promise<void> {
  const floorDist = mkdtempSync(join(tmpdir(), 'ecert-bench-floor-'));
  const app = await startEmbedded({ WEB_DIST: appDist });
  let floor: Awaited<ReturnType<typeof serveFloor>> | undefined;
  try {
    execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'bench/floor/vite.config.ts', '--outDir', floorDist, '--emptyOutDir', '--logLevel', 'warn'], { stdio: 'inherit' });
    execFileSync(process.execPath, ['scripts/precompress.mjs', floorDist], { stdio: 'inherit' });
    floor = await serveFloor(floorDist);
    const { holders } = await signInHolders(app.origin, 1, 1);
    if (!holders[0]) throw new Error('could not sign zhangsan in for Lighthouse');
    console.log(`\nLighthouse ${LIGHTHOUSE_VERSION} (mobile, simulated throttling, median of ${RUNS}, pages alternating): floor vs signed-in wallet`);
    const [f, w] = await lighthouseMedians([{ url: floor.url }, { url: `${app.origin}/`, headers: { Cookie: holders[0].cookie } }], RUNS);
    print(f!, w!);
  } finally {
    await floor?.close();
    await app.stop();
    rmSync(floorDist, { recursive: true, force: true });
  }
}

function print(f: LighthouseFigures, w: LighthouseFigures): void {
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  const rows: Array<[string, string, string, string]> = [
    ['performance score', f.performance.toFixed(0), w.performance.toFixed(0), `${(w.performance - f.performance).toFixed(0)} points`],
    ['LCP', `${(f.lcpMs / 1000).toFixed(2)} s`, `${(w.lcpMs / 1000).toFixed(2)} s`, `${(w.lcpMs / f.lcpMs).toFixed(2)}×`],
    ['TBT', `${f.tbtMs.toFixed(0)} ms`, `${w.tbtMs.toFixed(0)} ms`, `${(w.tbtMs / Math.max(1, f.tbtMs)).toFixed(2)}×`],
    ['first-load JS (transfer)', kb(f.jsBytes), kb(w.jsBytes), `${(w.jsBytes / f.jsBytes).toFixed(2)}×`],
    ['first-load CSS (transfer)', kb(f.cssBytes), kb(w.cssBytes), f.cssBytes ? `${(w.cssBytes / f.cssBytes).toFixed(2)}×` : '—'],
    ['accessibility', f.accessibility.toFixed(0), w.accessibility.toFixed(0), ''],
    ['best practices', f.bestPractices.toFixed(0), w.bestPractices.toFixed(0), ''],
  ];
  console.log(`  ${''.padEnd(26)} ${'floor'.padStart(10)} ${'wallet'.padStart(10)}   wallet vs floor`);
  for (const [k, a, b, r] of rows) console.log(`  ${k.padEnd(26)} ${a.padStart(10)} ${b.padStart(10)}   ${r}`);
  const checks = [
    [`score within 3 points of the floor`, f.performance - w.performance <= 3],
    [`LCP ≤ 1.3× the floor's`, w.lcpMs <= 1.3 * f.lcpMs],
    [`TBT ≤ 1.5× the floor's`, w.tbtMs <= 1.5 * Math.max(1, f.tbtMs)],
    ['accessibility 100', w.accessibility === 100],
  ] as const;
  console.log(`  issue 11 aims: ${checks.map(([k, ok]) => `${k} ${ok ? 'met' : 'NOT met'}`).join('; ')}`);
}
