// npm run bench:live — live status at scale (issue 11): one instance holds --streams open
// live-status streams (default 5,000), a counter redeems a sample of the codes, and the bench
// times redemption → "used" on the holder's stream (p50/p99) and prints memory per stream.
//
//   --streams 5000  --per-code 4  --redeem 200  [--sessions N]  [--url http://instance]
// Streams are spread over signed-in holders, `per-code` streams per authorisation (a holder's
// phone and other tabs). The BFF lets one session hold MAX_STREAMS_PER_SESSION (4) streams, so
// by default each session holds one authorisation's streams: 5,000 streams, 1,250 sessions.
import { parseArgs } from 'node:util';
import { authoriseBody, signInHolders, type Holder } from './support/load-runner.ts';
import { startEmbedded, type Server } from './support/processes.ts';
import { authorise, openStream, type Stream } from './support/sse.ts';
import { SandboxClient } from '../tests/support/sandbox-client.ts';
import { MAX_STREAMS_PER_SESSION } from '../src/bff/routes/authorisations.ts';

const { values: args } = parseArgs({
  options: {
    streams: { type: 'string', default: '5000' },
    sessions: { type: 'string' },
    'per-code': { type: 'string', default: String(MAX_STREAMS_PER_SESSION) },
    redeem: { type: 'string', default: '200' },
    url: { type: 'string' },
  },
});
const STREAMS = Number(args.streams);
const PER_CODE = Math.max(1, Number(args['per-code']));
const CODES = Math.ceil(STREAMS / PER_CODE);
const REDEEM = Math.min(Number(args.redeem), CODES);
// Enough sessions that none is asked for more streams than the BFF allows one session.
const SESSIONS = Number(args.sessions ?? Math.ceil(CODES / Math.max(1, Math.floor(MAX_STREAMS_PER_SESSION / PER_CODE))));

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function pooled<T>(items: T[], concurrency: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  }));
}

let server: Server | undefined;
const streams: Stream[] = [];
try {
  // Codes must outlive the run: the bench's instance lets a holder choose up to an hour.
  server = args.url ? undefined : await startEmbedded({ HOLDER_CODE_TTL_SECONDS: '3600', AUTH_MAX_SECONDS: '3600' });
  const origin = args.url ?? server!.origin;
  console.log(`bench:live — ${STREAMS} streams on ${origin} (${CODES} authorisations × ${PER_CODE}, ${SESSIONS} holder sessions)`);

  let t0 = performance.now();
  const { holders, failures } = await signInHolders(origin, SESSIONS, 8);
  console.log(`  signed in ${holders.length} sessions in ${((performance.now() - t0) / 1000).toFixed(1)} s${failures ? ` (${failures} failed)` : ''}`);

  t0 = performance.now();
  const codes: Array<{ holder: Holder; id: string; authCode: string }> = [];
  const refused: Record<number, number> = {};
  await pooled(Array.from({ length: CODES }, (_, i) => holders[i % holders.length]!), 16, async (holder) => {
    const body = JSON.parse(authoriseBody(holder)) as Record<string, unknown>;
    const a = await authorise(holder, JSON.stringify({ ...body, validitySeconds: 3600 }));
    if ('id' in a) codes.push({ holder, ...a });
    else refused[a.status] = (refused[a.status] ?? 0) + 1;
  });
  console.log(`  ${codes.length} authorisations in ${((performance.now() - t0) / 1000).toFixed(1)} s${Object.keys(refused).length ? `, refused: ${JSON.stringify(refused)}` : ''}`);

  // "used" arrival per authorisation id, per stream.
  const usedAt = new Map<string, number[]>();
  const onEvent = (event: { id: string; status: string }, at: number) => {
    if (event.status === 'used') usedAt.set(event.id, [...(usedAt.get(event.id) ?? []), at]);
  };
  const rssBefore = server?.rss() ?? 0;
  t0 = performance.now();
  const targets = codes.flatMap((c) => Array.from({ length: PER_CODE }, () => c)).slice(0, STREAMS);
  await pooled(targets, 64, async (c) => void streams.push(await openStream(c.holder, c.id, onEvent)));
  const open = streams.filter((s) => s.status === 200 && !s.endedEarly);
  const statuses: Record<number, number> = {};
  for (const s of streams) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
  // Let the heap settle before reading memory.
  await new Promise((r) => setTimeout(r, 2000));
  const rssAfter = server?.rss() ?? 0;
  console.log(`  opened ${open.length} of ${targets.length} streams in ${((performance.now() - t0) / 1000).toFixed(1)} s (HTTP ${JSON.stringify(statuses)})`);
  if (server) console.log(`  server RSS ${mb(rssBefore)} → ${mb(rssAfter)}: ${((rssAfter - rssBefore) / Math.max(1, open.length) / 1024).toFixed(1)} KB per stream`);

  // A counter system redeems a sample, a few per second, as counters would.
  const counter = await new SandboxClient(`${origin}/sandbox/license-app/v1`).login('counter-demo');
  const started = new Map<string, number>();
  const answered = new Map<string, number>();
  const redeemFailures: string[] = [];
  const sample = codes.filter((_, i) => i % Math.max(1, Math.floor(codes.length / REDEEM)) === 0).slice(0, REDEEM);
  t0 = performance.now();
  await pooled(sample, 4, async (c) => {
    started.set(c.id, performance.now());
    const env = await counter.get('/license/get_license', { auth_code: c.authCode, operator_name: 'bench', biz_num: 'BENCH-1' });
    answered.set(c.id, performance.now());
    if (env.ack_code !== 'SUCCESS') redeemFailures.push(env.errors[0]?.code ?? 'FAILURE');
  });
  // Wait (up to 10 s) for the last "used" to arrive.
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline && sample.some((c) => (usedAt.get(c.id)?.length ?? 0) < Math.min(PER_CODE, streams.filter((s) => s.authorisationId === c.id && s.status === 200).length))) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const latencies = sample.flatMap((c) => (usedAt.get(c.id) ?? []).map((at) => at - started.get(c.id)!)).sort((a, b) => a - b);
  // The same deliveries counted from when the counter had its answer: the notification path alone.
  const afterAnswer = sample.flatMap((c) => (usedAt.get(c.id) ?? []).map((at) => Math.max(0, at - answered.get(c.id)!))).sort((a, b) => a - b);
  const missing = sample.reduce((n, c) => n + (usedAt.has(c.id) ? 0 : 1), 0);
  console.log(`\nRedemption → "used" on the holder's stream (${sample.length} codes redeemed, ${latencies.length} stream deliveries, ${STREAMS} streams open):`);
  console.log(`  from the counter's call     p50 ${pct(latencies, 50).toFixed(0)} ms   p99 ${pct(latencies, 99).toFixed(0)} ms   max ${(latencies.at(-1) ?? NaN).toFixed(0)} ms   ${pct(latencies, 99) <= 1000 ? 'within' : 'OVER'} the 1 s aim`);
  console.log(`  from the counter's answer   p50 ${pct(afterAnswer, 50).toFixed(0)} ms   p99 ${pct(afterAnswer, 99).toFixed(0)} ms`);
  console.log(`  codes with no delivery ${missing}; redemptions refused ${redeemFailures.length}${redeemFailures.length ? ` (${[...new Set(redeemFailures)].join(', ')})` : ''}; streams ended early ${streams.filter((s) => s.endedEarly).length}`);
} finally {
  for (const s of streams) s.close();
  await server?.stop();
}
