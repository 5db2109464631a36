// npm run bench:profile — a CPU profile of the BFF under load on one route, start-up excluded,
// summarised as its top items (what docs/performance.md quotes). One server, one route, one run:
//
//   npm run bench:profile -- --route licenses              embedded sandbox (npm start as shipped)
//   npm run bench:profile -- --route licenses --instant    the BFF alone against the instant upstream
//   --route healthz|session|licenses|authorise  --duration S (10)  --connections N (50)  --top N (20)
//   --keep FILE   keep the .cpuprofile (open it in Chrome DevTools or speedscope)
//
// Samples are wall-clock based, so on a shared machine the shares (not the absolute times) are
// what to read; the profile is of the BFF's process only (the instant upstream and the standalone
// sandbox run unprofiled in their own processes).
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TARGETS, measure, row, signInHolders } from './support/load-runner.ts';
import { startBffAgainst, startEmbedded, startInstantUpstreamProcess, startStandaloneSandbox, type Server } from './support/processes.ts';
import { topItems } from './profile-top.ts';
import { freePort } from '../tests/support/e2e.ts';

const { values: args } = parseArgs({
  options: {
    route: { type: 'string', default: 'licenses' },
    instant: { type: 'boolean', default: false },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    top: { type: 'string', default: '20' },
    keep: { type: 'string' },
  },
});

const target = TARGETS[args.route as keyof typeof TARGETS];
if (!target) throw new Error(`--route: one of ${Object.keys(TARGETS).join(', ')}`);
const profDir = mkdtempSync(join(tmpdir(), 'ecert-prof-'));
const others: Server[] = [];
let bff: Server;

try {
  if (args.instant) {
    const bffPort = await freePort();
    const sandbox = await startStandaloneSandbox(`http://127.0.0.1:${bffPort}`);
    others.push(sandbox);
    const stub = await startInstantUpstreamProcess(`${sandbox.origin}/license-app/v1`);
    others.push(stub);
    process.env.BENCH_CPU_PROF = profDir;
    bff = await startBffAgainst(stub.origin, `${sandbox.origin}/idp`, bffPort);
  } else {
    process.env.BENCH_CPU_PROF = profDir;
    bff = await startEmbedded();
  }
  delete process.env.BENCH_CPU_PROF;
  const { holders } = await signInHolders(bff.origin, 20);
  const pools = new Map([[bff.origin, holders]]);
  await measure(target, [bff.origin], 2, 1, pools); // record the instant upstream's answers, warm the JIT
  const startedAt = performance.now();
  const cpuBefore = bff.cpu();
  const figures = await measure(target, [bff.origin], Number(args.connections), Number(args.duration), pools);
  const cpuUsed = bff.cpu() - cpuBefore;
  const measuredS = (performance.now() - startedAt) / 1000;
  console.log(row(`${target.label}${args.instant ? ' (instant)' : ' (embedded)'}`, figures));
  const requests = figures.rps * Number(args.duration);
  console.log(`  server process CPU: ${(cpuUsed * 1000 / Math.max(1, requests)).toFixed(2)} ms per request (${cpuUsed.toFixed(1)} s over ${requests.toFixed(0)} requests)`);
  await bff.stop();
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('the server wrote no profile');
  if (args.keep) copyFileSync(join(profDir, file), args.keep);
  const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as Parameters<typeof topItems>[0];
  // Only the measured window: everything before it is start-up, sign-in and warm-up.
  const totalS = profile.timeDeltas.reduce((a, b) => a + b, 0) / 1e6;
  const { functions, packages, ours, busyShare } = topItems(profile, Number(args.top), Math.max(0, totalS - measuredS - 0.5));
  console.log(`\nshare of busy time by function (self), last ${measuredS.toFixed(1)} s (the main thread was busy ${(100 * busyShare).toFixed(0)} % of it):\n${functions.join('\n')}\n\nby package:\n${packages.join('\n')}\n\nour functions, inclusive (a sample counts once for each of ours on its stack):\n${ours.join('\n')}`);
} finally {
  await Promise.allSettled(others.reverse().map((s) => s.stop()));
  rmSync(profDir, { recursive: true, force: true });
}
