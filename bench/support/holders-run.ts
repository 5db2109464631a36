// bench:load --holders N (issue 10): N signed-in holders at once for the whole duration. Each
// holds a live-status stream; their connections read the wallet (3 in 4) or authorise a use
// (1 in 4) back to back, while a few connections watch /healthz. Then /healthz beside the bare
// route, for the ratio. With several instance URLs the same load runs against the first instance
// alone, then spread over all. With the server's log file, what it logged in each phase is tallied.
import { get } from 'node:http';
import { loadavg } from 'node:os';
import { readFileSync, statSync } from 'node:fs';
import { TARGETS, compare, measure, row, signInHolders, HEADER, type Figures, type Holder, type Ramp } from './load-runner.ts';
import type { Server } from './processes.ts';
import { authorise, openStream, type Stream } from './sse.ts';
import { printTally, tallyLog } from './server-log.ts';

export interface HoldersRunOptions {
  origins: string[];
  bare: Server;
  holders: number;
  durationS: number;
  /** Sign-ins through the provider's login form at once. */
  signInConcurrency: number;
  /** The first instance's log (JSON lines), when the bench started it. */
  logFile?: string;
}

/** Connections that watch /healthz during the load (not part of the holders' load). */
const HEALTH_WATCHERS = 4;
/** The holders' connections join 25 per route every 250 ms (1,000 in 7.5 s), not in one instant. */
const RAMP: Ramp = { batch: 25, everyMs: 250 };

const load = () => loadavg().map((l) => l.toFixed(2)).join(', ');
const openFilesLimit = (): string => /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? '?';

async function openStreams(holders: Holder[]): Promise<{ streams: Stream[]; refused: Record<string, number> }> {
  const streams: Stream[] = [];
  const refused: Record<string, number> = {};
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < holders.length) {
      const holder = holders[next++]!;
      const a = await authorise(holder, TARGETS.authorise.body(holder)).catch(() => ({ status: 0 }));
      if (!('id' in a)) {
        refused[`authorise ${a.status}`] = (refused[`authorise ${a.status}`] ?? 0) + 1;
        continue;
      }
      const s = await openStream(holder, a.id, () => undefined);
      if (s.status !== 200) refused[`stream ${s.status}`] = (refused[`stream ${s.status}`] ?? 0) + 1;
      streams.push(s);
    }
  }));
  return { streams, refused };
}

const fiveXx = (f: Figures, other = false) => Object.entries(f.statuses).reduce((n, [s, c]) => (s.startsWith('5') && (!other || s !== '503') ? n + c : n), 0);

/** GET /healthz on a connection of its own (a new client must be accepted too); true when 200. */
function freshHealthz(origin: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(`${origin}/healthz`, { agent: false, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
  });
}

/** Polls /healthz until a new connection gets it within 100 ms (the load's backlog is served), up to 60 s. */
async function drained(origin: string): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < 60_000) {
    const t = performance.now();
    const ok = await freshHealthz(origin);
    if (ok && performance.now() - t < 100) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return (performance.now() - t0) / 1000;
}

async function phase(label: string, origins: string[], pools: Map<string, Holder[]>, n: number, durationS: number, logFile?: string): Promise<void> {
  const holders = origins.flatMap((o) => pools.get(o)!.slice(0, Math.ceil(n / origins.length)));
  const used = new Map(origins.map((o) => [o, holders.filter((h) => h.origin === o)]));
  const logFrom = logFile ? statSync(logFile).size : 0;
  const { streams, refused } = await openStreams(holders);
  const live = () => streams.filter((s) => s.status === 200 && !s.endedEarly).length;
  console.log(`\n${label}: ${holders.length} holders, ${live()} live-status streams open${Object.keys(refused).length ? ` (refused: ${JSON.stringify(refused)})` : ''}, ${durationS} s (connections join ${RAMP.batch} per route every ${RAMP.everyMs} ms); load average ${load()}`);
  const readers = Math.max(1, Math.round((holders.length * 3) / 4));
  const writers = Math.max(1, holders.length - readers);
  const [reads, writes, health] = await Promise.all([
    measure(TARGETS.licenses, origins, readers, durationS, used, RAMP),
    measure(TARGETS.authorise, origins, writers, durationS, used, RAMP),
    measure(TARGETS.healthz, origins, HEALTH_WATCHERS, durationS, used),
  ]);
  const stillOpen = live();
  for (const s of streams) s.close();
  console.log(HEADER.replace(/× bare.*$/, ''));
  console.log(row(`${TARGETS.licenses.label} ×${readers}`, reads));
  console.log(row(`${TARGETS.authorise.label} ×${writers}`, writes));
  console.log(row(`${TARGETS.healthz.label} ×${HEALTH_WATCHERS} (during)`, health));
  const all = [reads, writes, health];
  const sum = (f: (x: Figures) => number) => all.reduce((t, x) => t + f(x), 0);
  const ok = (f: Figures) => Math.max(0, f.rps - f.non2xx / durationS);
  console.log(`  together ${(reads.rps + writes.rps).toFixed(0)} holder req/s, of which 2xx ${(ok(reads) + ok(writes)).toFixed(0)} req/s`);
  console.log(`  503 with Retry-After ${sum((x) => x.unavailable.withRetryAfter)}, without ${sum((x) => x.unavailable.without)}; 5xx other than 503: ${sum((x) => fiveXx(x, true))}; transport errors ${sum((x) => x.errors)}`);
  console.log(`  streams still open at the end ${stillOpen} of ${streams.length}, ended early ${streams.filter((s) => s.endedEarly).length}`);
  if (logFile) printTally('server log of this phase', await tallyLog(logFile, logFrom));
  console.log(`  backlog served (/healthz under 100 ms again) after ${(await drained(origins[0]!)).toFixed(1)} s`);
}

export async function holdersRun(o: HoldersRunOptions): Promise<void> {
  console.log(`bench:load --holders ${o.holders}: ${o.origins.join(', ')}; node ${process.version}; open files limit ${openFilesLimit()}; load average ${load()}`);
  const pools = new Map<string, Holder[]>();
  for (const [i, origin] of o.origins.entries()) {
    // The first instance serves the one-instance phase alone, so it needs all of them.
    const n = i === 0 ? o.holders : Math.ceil(o.holders / o.origins.length);
    const t0 = performance.now();
    const logFrom = o.logFile && i === 0 ? statSync(o.logFile).size : 0;
    const { holders, failures, retries } = await signInHolders(origin, n, o.signInConcurrency);
    const s = (performance.now() - t0) / 1000;
    console.log(`  signed in ${holders.length} holders on ${origin} through the login form in ${s.toFixed(1)} s (${(holders.length / s).toFixed(1)}/s, ${o.signInConcurrency} at a time; ${retries} sign-ins started again, ${failures} failed)`);
    if (o.logFile && i === 0) printTally('server log of the sign-ins', await tallyLog(o.logFile, logFrom));
    pools.set(origin, holders);
  }
  await phase('One instance', o.origins.slice(0, 1), pools, o.holders, o.durationS, o.logFile);
  if (o.origins.length > 1) await phase(`${o.origins.length} instances`, o.origins, pools, o.holders, o.durationS);

  console.log('\nAfter the load, beside the bare route (50 connections):');
  console.log(HEADER);
  for (const set of o.origins.length > 1 ? [o.origins.slice(0, 1), o.origins] : [o.origins]) {
    const { figures, ratio } = await compare(TARGETS.healthz, set, o.bare.origin, 50, 10, pools);
    console.log(row(`${TARGETS.healthz.label}${set.length > 1 ? ` (${set.length} inst.)` : ''}`, figures, ratio));
  }
  console.log(`  load average at the end ${load()}`);
}
