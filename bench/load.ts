// npm run bench:load — what the BFF costs per request, beside a bare Fastify route measured in
// the same run (figures and ratios, not a timed test: absolute numbers on a shared machine are
// noise, ratios are not).
//
//   npm run bench:load                       /healthz, /api/session, /api/licenses and the authorise
//                                            path at 50 and 200 connections, with the embedded sandbox
//                                            and then against an upstream that answers at once
//   npm run bench:load -- --holders 1000     issue 10: that many signed-in holders for --duration
//                                            (default 60 s): wallet reads and authorisations while
//                                            each holds a live-status stream
//   npm run bench:load -- --urls A,B         use running instances instead of starting one; every
//                                            figure for the first instance alone, then for all
//   npm run bench:load -- --redis 2          start that many instances on one redis-server (issue 13)
//                                            and measure them as --urls does
//   --duration S  --connections 50,200  --no-stub  --signin-concurrency 16 (--holders: sign-ins at once)
//   --log FILE    (--holders) keep the started server's JSON log there (default: a temporary file,
//                 tallied per phase either way)
import { parseArgs } from 'node:util';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEADER, TARGETS, compare, measure, row, signInHolders, type Figures, type Holder, type Target } from './support/load-runner.ts';
import { startBare, startBffAgainst, startEmbedded, startInstantUpstreamProcess, startStandaloneSandbox, type Server } from './support/processes.ts';
import { holdersRun } from './support/holders-run.ts';
import { startRedisInstances } from './support/redis-instances.ts';
import { freePort } from '../tests/support/e2e.ts';

const { values: args } = parseArgs({
  options: {
    holders: { type: 'string' },
    urls: { type: 'string' },
    redis: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string', default: '50,200' },
    'no-stub': { type: 'boolean', default: false },
    pool: { type: 'string', default: '20' },
    'signin-concurrency': { type: 'string', default: '16' },
    log: { type: 'string' },
  },
});

const started: Server[] = [];
const stopAll = () => Promise.allSettled(started.splice(0).reverse().map((s) => s.stop()));
process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

async function pools(origins: string[], perOrigin: number): Promise<Map<string, Holder[]>> {
  const map = new Map<string, Holder[]>();
  for (const origin of origins) {
    const t0 = performance.now();
    const { holders, failures } = await signInHolders(origin, perOrigin);
    console.log(`  signed in ${holders.length} holder sessions on ${origin} in ${((performance.now() - t0) / 1000).toFixed(1)} s${failures ? `, ${failures} failed` : ''}`);
    map.set(origin, holders);
  }
  return map;
}

async function routeTable(title: string, origins: string[], bare: Server, targets: Target[], connections: number[], durationS: number, holderPools: Map<string, Holder[]>, server?: Server): Promise<void> {
  for (const c of connections) {
    console.log(`\n${title}, ${c} connections, ${durationS} s each (alternating with the bare route in slices of ≥ 5 s)`);
    console.log(HEADER);
    const sets = origins.length > 1 ? [origins.slice(0, 1), origins] : [origins];
    const floors: Figures[] = [];
    for (const target of targets) {
      for (const set of sets) {
        // CPU per request only where one process we started serves the route.
        const cpu = server && set.length === 1 ? { target: server.cpu, bare: bare.cpu } : {};
        const { figures, bare: floor, ratio, cpuMs, cpuRatio } = await compare(target, set, bare.origin, c, durationS, holderPools, cpu);
        floors.push(floor);
        console.log(row(sets.length > 1 ? `${target.label} (${set.length} inst.)` : target.label, figures, ratio, { cpuMs, cpuRatio }));
      }
    }
    const rps = floors.map((f) => f.rps).sort((a, b) => a - b);
    console.log(`  (bare Fastify GET /ping in the interleaved slices: ${rps[0]!.toFixed(0)}–${rps.at(-1)!.toFixed(0)} req/s, p99 up to ${Math.max(...floors.map((f) => f.p99)).toFixed(0)} ms)`);
  }
}

async function main(): Promise<void> {
  const durationS = Number(args.duration ?? (args.holders ? 60 : 10));
  const connections = args.connections.split(',').map(Number);
  // --holders: the started server's log is kept and tallied, so every status can be traced to its cause.
  const logFile = args.holders ? args.log ?? join(tmpdir(), `ecert-bench-load-${process.pid}.log`) : undefined;
  const bare = await startBare();
  started.push(bare);

  let origins: string[];
  let embedded: Server | undefined;
  if (args.urls) {
    origins = args.urls.split(',').map((u) => u.replace(/\/+$/, ''));
  } else if (args.redis) {
    const cluster = await startRedisInstances(Number(args.redis));
    started.push(...cluster.servers);
    origins = cluster.origins;
    args.urls = origins.join(',');
  } else {
    embedded = await startEmbedded({}, logFile);
    started.push(embedded);
    origins = [embedded.origin];
  }

  if (args.holders) {
    await holdersRun({ origins, bare, holders: Number(args.holders || 1000), durationS, signInConcurrency: Number(args['signin-concurrency']), logFile: embedded ? logFile : undefined });
    if (logFile && !args.log) rmSync(logFile, { force: true });
    return;
  }

  console.log(`bench:load — ${args.urls ? origins.join(', ') : 'npm start as shipped (embedded sandbox)'}; node ${process.version}`);
  const signedIn = await pools(origins, Number(args.pool));
  const all = [TARGETS.healthz, TARGETS.session, TARGETS.licenses, TARGETS.authorise];
  await routeTable(args.urls ? 'Given instances' : 'Embedded sandbox', origins, bare, all, connections, durationS, signedIn, embedded);
  if (embedded) console.log(`\n  server RSS after the runs: ${(embedded.rss() / 2 ** 20).toFixed(0)} MB`);

  if (!args.urls && !args['no-stub']) {
    // The BFF alone against an upstream that answers from memory: what remains is the BFF's own cost.
    const bffPort = await freePort();
    const sandbox = await startStandaloneSandbox(`http://127.0.0.1:${bffPort}`);
    started.push(sandbox);
    const stub = await startInstantUpstreamProcess(`${sandbox.origin}/license-app/v1`);
    started.push(stub);
    const bff = await startBffAgainst(stub.origin, `${sandbox.origin}/idp`, bffPort);
    started.push(bff);
    console.log(`\nInstant upstream (recorded answers, ${stub.origin}); identity provider ${sandbox.origin}/idp`);
    const stubPools = await pools([bff.origin], Number(args.pool));
    // Record one answer of each kind before timing.
    await measure(TARGETS.licenses, [bff.origin], 2, 1, stubPools);
    await measure(TARGETS.authorise, [bff.origin], 2, 1, stubPools);
    await routeTable('BFF against the instant upstream', [bff.origin], bare, [TARGETS.healthz, TARGETS.licenses, TARGETS.authorise], connections, durationS, stubPools, bff);
    const counts = await (await fetch(stub.origin.replace(/\/stub$/, '/__counts'))).json() as { instant: number; passed: number };
    console.log(`  upstream calls answered from memory ${counts.instant}, passed through ${counts.passed}`);
  }
}

try {
  await main();
} finally {
  await stopAll();
}
