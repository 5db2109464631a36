import { isDeepStrictEqual } from 'node:util';
import fastJsonStringify from 'fast-json-stringify';
import { Type, type TSchema } from 'typebox';
import Value from 'typebox/value';
import { LicenseRecordSchema, envelopeOf } from '../src/contract/upstream.ts';
import { readRecords } from '../src/bff/upstream/read.ts';
import { answers } from '../src/sandbox/route-schemas.ts';
import { envelope } from '../src/sandbox/wire.ts';

// `npm run bench:wire`: reading a license/webpage answer against the contract, the way the client
// did before (TypeBox's Value walks the schema on every answer) beside the compiled checker it
// uses now, in one run. Two answers: a complete one (as the sandbox sends) and a standard-only
// one that leaves the optional fields out, so defaults have to be filled in. Then the sandbox's
// side: Fastify serialising a license/webpage envelope with the old schema (`data` unknown, so
// JSON.stringify) beside the contract's schema for that route.

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2000);
const BATCHES = 10;
const RECORDS = 20;

function record(i: number, complete: boolean): Record<string, unknown> {
  const required = { license_code: `LC${i}`, license_item_code: '100010601000021135110000', name: '居民户口簿', license_status: 'ISSUED' };
  if (!complete) return { ...required, holder_name: '张三', data_fields: '{"HH":"110101","XB":"男"}' };
  const filled = Value.Default(LicenseRecordSchema, structuredClone(required)) as Record<string, unknown>;
  return { ...filled, holder_name: '张三', holder_identity_num: '110101199003071233', data_fields: { HH: '110101', XB: '男', CSRQ: '1990-03-07' } };
}

/** The reader as it was: Value.Default on a copy, then Value.Errors, on every record. */
function readBefore(schema: TSchema, value: unknown): unknown {
  const filled = Value.Default(schema, Value.Clone(value)) as unknown;
  if (Value.Errors(schema, filled)[0]) throw new Error('malformed');
  return filled;
}

/** Per-answer µs of `before` and `now`, run in alternating batches (the best batch of each), so
 * a busy neighbour or a GC pause on a shared machine does not land on one side only. */
function compare(before: () => void, now: () => void): [number, number] {
  const batch = Math.max(1, Math.floor(ROUNDS / BATCHES));
  for (let i = 0; i < batch / 5; i++) { before(); now(); } // warm-up: compiles on first use
  const best = [Infinity, Infinity];
  for (let b = 0; b < BATCHES; b++) {
    [before, now].forEach((fn, side) => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < batch; i++) fn();
      best[side] = Math.min(best[side]!, Number(process.hrtime.bigint() - started) / 1e3 / batch);
    });
  }
  return [best[0]!, best[1]!];
}

function line(label: string, [before, now]: [number, number]): void {
  const us = (v: number) => `${v.toFixed(1).padStart(7)} µs/answer`;
  process.stdout.write(`${label.padEnd(34)} before ${us(before)}   now ${us(now)}   ratio now/before ${(now / before).toFixed(3)}\n`);
}

{
  const data = Array.from({ length: RECORDS }, (_, i) => record(i, true));
  const body = envelope(data, { now: Date.now() });
  const loose = fastJsonStringify(envelopeOf(Type.Unknown()) as object);
  const contract = fastJsonStringify(answers(Type.Array(LicenseRecordSchema)).response['2xx'] as object);
  if (!isDeepStrictEqual(JSON.parse(contract(body)), JSON.parse(loose(body)))) throw new Error('the two serialisers disagree');
  line('sandbox serialises webpage', compare(() => loose(body), () => contract(body)));
}

for (const complete of [true, false]) {
  // JSON text as it comes off the wire, parsed per round as the client does.
  const text = JSON.stringify(Array.from({ length: RECORDS }, (_, i) => record(i, complete)));
  const parse = (): Array<Record<string, unknown>> => JSON.parse(text) as Array<Record<string, unknown>>;
  const normalise = (r: Record<string, unknown>): Record<string, unknown> =>
    typeof r.data_fields === 'string' ? { ...r, data_fields: JSON.parse(r.data_fields) as unknown } : r;
  const label = complete ? 'complete answer (sandbox)' : 'standard-only answer (defaults)';
  line(label, compare(() => { for (const r of parse()) readBefore(LicenseRecordSchema, normalise(r)); }, () => { readRecords(parse(), 'webpage'); }));
}
process.stdout.write(`(${ROUNDS} answers of ${RECORDS} records each in ${BATCHES} alternating batches, best batch; reading includes JSON.parse)\n`);

