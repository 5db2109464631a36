// bench:load --holders N (issue 10): N signed-in holders at once for the whole duration. Each
// holds a live-status stream; their connections read the wallet (3 in 4) or authorise a use
// (1 in 4) back to back. Then /healthz beside the bare route, for the ratio. With several
// instance URLs the same load runs against the first instance alone, then spread over all.
import { TARGETS, compare, measure, row, signInHolders, HEADER, type Figures, type Holder } from './load-runner.ts';
import type { Server } from './processes.ts';
import { authorise, openStream, type Stream } from './sse.ts';

export interface HoldersRunOptions {
  origins: string[];
  bare: Server;
  holders: number;
  durationS: number;
}

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

async function phase(label: string, origins: string[], pools: Map<string, Holder[]>, n: number, durationS: number): Promise<void> {
  const holders = origins.flatMap((o) => pools.get(o)!.slice(0, Math.ceil(n / origins.length)));
  const used = new Map(origins.map((o) => [o, holders.filter((h) => h.origin === o)]));
  const { streams, refused } = await openStreams(holders);
  const live = () => streams.filter((s) => s.status === 200 && !s.endedEarly).length;
  console.log(`\n${label}: ${holders.length} holders, ${live()} live-status streams open${Object.keys(refused).length ? ` (refused: ${JSON.stringify(refused)})` : ''}, ${durationS} s`);
  const readers = Math.max(1, Math.round((holders.length * 3) / 4));
  const writers = Math.max(1, holders.length - readers);
  const [reads, writes] = await Promise.all([
    measure(TARGETS.licenses, origins, readers, durationS, used),
    measure(TARGETS.authorise, origins, writers, durationS, used),
  ]);
  console.log(HEADER.replace('× bare', ''));
  console.log(row(`${TARGETS.licenses.label} ×${readers}`, reads));
  console.log(row(`${TARGETS.authorise.label} ×${writers}`, writes));
  const total: Figures = { ...reads, rps: reads.rps + writes.rps };
  console.log(`  together ${total.rps.toFixed(0)} req/s; 5xx ${count5xx(reads) + count5xx(writes)}; streams still open ${live()} of ${streams.length}, ended early ${streams.filter((s) => s.endedEarly).length}`);
  for (const s of streams) s.close();
}

const count5xx = (f: Figures) => Object.entries(f.statuses).reduce((n, [s, c]) => (s.startsWith('5') ? n + c : n), 0);

export async function holdersRun(o: HoldersRunOptions): Promise<void> {
  console.log(`bench:load --holders ${o.holders}: ${o.origins.join(', ')}; node ${process.version}`);
  const pools = new Map<string, Holder[]>();
  for (const [i, origin] of o.origins.entries()) {
    // The first instance serves the one-instance phase alone, so it needs all of them.
    const n = i === 0 ? o.holders : Math.ceil(o.holders / o.origins.length);
    const t0 = performance.now();
    const { holders, failures } = await signInHolders(origin, n, 16);
    console.log(`  signed in ${holders.length} holders on ${origin} in ${((performance.now() - t0) / 1000).toFixed(1)} s${failures ? ` (${failures} failed)` : ''}`);
    pools.set(origin, holders);
  }
  await phase('One instance', o.origins.slice(0, 1), pools, o.holders, o.durationS);
  if (o.origins.length > 1) await phase(`${o.origins.length} instances`, o.origins, pools, o.holders, o.durationS);

  console.log('\nAfter the load, beside the bare route (50 connections):');
  console.log(HEADER);
  for (const set of o.origins.length > 1 ? [o.origins.slice(0, 1), o.origins] : [o.origins]) {
    const { figures, ratio } = await compare(TARGETS.healthz, set, o.bare.origin, 50, 9, pools);
    console.log(row(`${TARGETS.healthz.label}${set.length > 1 ? ` (${set.length} inst.)` : ''}`, figures, ratio));
  }
}
