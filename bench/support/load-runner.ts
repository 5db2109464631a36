// Drives autocannon against one or more instances and reports what a caller would notice:
// throughput, p50/p99 latency, non-2xx answers and transport errors. Latencies are collected
// from every response so that runs against several instances at once merge exactly.
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import type { LicenseListResponse } from '../../src/contract/bff.ts';
import { LICENSE_ITEM, SERVICE_ITEM } from '../../src/sandbox/catalogue-data.ts';
import { BffClient } from '../../tests/support/bff-client.ts';

export interface Holder {
  origin: string;
  cookie: string;
  csrf: string;
  licenseCode: string;
}

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  statuses: Record<string, number>;
  /** 503 answers with a Retry-After header (a deliberate shed or "come back later") and without. */
  unavailable: { withRetryAfter: number; without: number };
  /** Transport errors by kind (autocannon's timeouts, resets...). */
  errorKinds: Record<string, number>;
}

export interface Target {
  label: string;
  method: 'GET' | 'POST';
  path: string;
  /** Signed-in requests carry a holder's cookie (and CSRF token on writes). */
  signedIn?: boolean;
  body?: (holder: Holder) => string;
}

export const authoriseBody = (holder: Holder): string => JSON.stringify({
  licenseCode: holder.licenseCode,
  serviceItemCode: SERVICE_ITEM.householdAffairs,
  validitySeconds: 60,
  idempotencyKey: randomUUID(),
  sensitiveConsent: true,
});

export const TARGETS = {
  healthz: { label: 'GET /healthz', method: 'GET', path: '/healthz' },
  session: { label: 'GET /api/session', method: 'GET', path: '/api/session', signedIn: true },
  licenses: { label: 'GET /api/licenses', method: 'GET', path: '/api/licenses', signedIn: true },
  authorise: { label: 'POST /api/authorisations', method: 'POST', path: '/api/authorisations', signedIn: true, body: authoriseBody },
} satisfies Record<string, Target>;

/**
 * A phone of its own: each holder signs in from a distinct client address (X-Forwarded-For, which
 * bench instances trust with TRUST_PROXY=1), as thousands of phones would; from one address the
 * BFF's per-client login limit (30 a minute) rightly stops a bench after 30 sign-ins.
 */
class Phone extends BffClient {
  constructor(origin: string, readonly address: string) {
    super(origin);
  }

  /** As the H5 app does: a read answered 503 with Retry-After is asked again after that wait. */
  override async raw(method: string, path: string, init: Parameters<BffClient['raw']>[2] = {}): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const res = await super.raw(method, path, { ...init, headers: { ...init.headers, 'x-forwarded-for': this.address } });
      const wait = Number(res.headers.get('retry-after'));
      if (res.status !== 503 || method !== 'GET' || !(wait > 0) || attempt >= 5) return res;
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, wait * 1000));
    }
  }
}

/** A sign-in the provider did not finish in time (a loaded machine) is started again, up to this often. */
const SIGN_IN_ATTEMPTS = 3;

let phones = 0;
const nextAddress = (): string => {
  const n = ++phones;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
};

/** zhangsan signed in `n` times through the provider's real login form, `concurrency` at a time. */
export async function signInHolders(origin: string, n: number, concurrency = 8): Promise<{ holders: Holder[]; failures: number; retries: number }> {
  const holders: Holder[] = [];
  let failures = 0;
  let retries = 0;
  let licenseCode: string | undefined;
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      try {
        const client = new Phone(origin, nextAddress());
        for (let attempt = 1; ; attempt++) {
          try {
            await client.login('zhangsan');
            break;
          } catch (err) {
            if (attempt >= SIGN_IN_ATTEMPTS) throw err;
            retries++;
          }
        }
        if (!licenseCode) {
          const wallet = (await client.api<LicenseListResponse>('GET', '/api/licenses')).body;
          licenseCode = wallet.licenses.find((c) => c.licenseItemCode === LICENSE_ITEM.householdRegister)?.licenseCode;
        }
        const cookie = /(?:^|; )(ecert_sid=[^;]+)/.exec(client.jar.header())?.[1];
        if (!cookie || !client.csrfToken || !licenseCode) throw new Error('no session');
        holders.push({ origin, cookie, csrf: client.csrfToken, licenseCode });
      } catch (err) {
        if (failures++ === 0) console.log(`  first sign-in failure: ${(err as Error).message.slice(0, 300)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return { holders, failures, retries };
}

const percentile = (sorted: number[], p: number): number => sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

interface Raw {
  latencies: number[];
  statuses: Record<string, number>;
  errors: number;
  errorKinds: Record<string, number>;
  unavailable: { withRetryAfter: number; without: number };
  completed: number;
  durationS: number;
}

const addCounts = (into: Record<string, number>, from: Record<string, number>): void => {
  for (const [k, c] of Object.entries(from)) into[k] = (into[k] ?? 0) + c;
};

function summarise(raws: Raw[]): Figures {
  const latencies = raws.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  const errorKinds: Record<string, number> = {};
  for (const r of raws) {
    addCounts(statuses, r.statuses);
    addCounts(errorKinds, r.errorKinds);
  }
  const unavailable = {
    withRetryAfter: raws.reduce((n, r) => n + r.unavailable.withRetryAfter, 0),
    without: raws.reduce((n, r) => n + r.unavailable.without, 0),
  };
  const completed = raws.reduce((n, r) => n + r.completed, 0);
  const seconds = raws.reduce((n, r) => n + r.durationS, 0);
  const non2xx = Object.entries(statuses).reduce((n, [s, c]) => (s.startsWith('2') ? n : n + c), 0);
  return {
    rps: completed / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), non2xx,
    errors: raws.reduce((n, r) => n + r.errors, 0), statuses, unavailable, errorKinds,
  };
}

/**
 * Connections opened in batches rather than all at once: a thousand SYNs in one instant overflow
 * the server's accept queue (Node's backlog is 511) and the kernel's retries (1, 3, 7, 15 s...)
 * then show up as request timeouts that say nothing about the server. Every batch runs until the
 * common end.
 */
export interface Ramp {
  batch: number;
  everyMs: number;
}

export async function measure(target: Target, origins: string[], connections: number, durationS: number, pools = new Map<string, Holder[]>(), ramp?: Ramp): Promise<Figures> {
  return summarise([await measureRaw(target, origins, connections, durationS, pools, ramp)]);
}

const BARE: Target = { label: 'bare Fastify GET /ping', method: 'GET', path: '/ping' };

/** CPU seconds used so far by the process serving a route (bench/support/processes.ts), when known. */
export type CpuMeter = () => number;

/**
 * The target and the bare route in alternating slices of at least 5 s, so both see the same
 * background load on a shared machine; the ratio is of the requests both completed in them.
 * With CPU meters for both servers, also the CPU each spent per request in those slices: on a
 * machine other work keeps busy, that moves far less than throughput.
 */
export async function compare(target: Target, origins: string[], bareOrigin: string, connections: number, durationS: number, pools: Map<string, Holder[]>, cpu: { target?: CpuMeter; bare?: CpuMeter } = {}): Promise<{ figures: Figures; bare: Figures; ratio: number; cpuRatio?: number; cpuMs?: number; bareCpuMs?: number }> {
  const rounds = Math.max(1, Math.floor(durationS / 5));
  const slice = Math.max(1, Math.round(durationS / rounds));
  const mine: Raw[] = [];
  const floor: Raw[] = [];
  let targetCpu = 0;
  let bareCpu = 0;
  const metered = async (meter: CpuMeter | undefined, run: () => Promise<Raw>): Promise<[Raw, number]> => {
    const before = meter?.() ?? 0;
    const raw = await run();
    return [raw, (meter?.() ?? 0) - before];
  };
  for (let i = 0; i < rounds; i++) {
    const [b, bc] = await metered(cpu.bare, () => measureRaw(BARE, [bareOrigin], connections, slice, pools));
    const [t, tc] = await metered(cpu.target, () => measureRaw(target, origins, connections, slice, pools));
    floor.push(b);
    mine.push(t);
    bareCpu += bc;
    targetCpu += tc;
  }
  const done = (raws: Raw[]) => raws.reduce((n, r) => n + r.completed, 0);
  const result = { figures: summarise(mine), bare: summarise(floor), ratio: done(mine) / Math.max(1, done(floor)) };
  if (!cpu.target || !cpu.bare) return result;
  const cpuMs = (1000 * targetCpu) / Math.max(1, done(mine));
  const bareCpuMs = (1000 * bareCpu) / Math.max(1, done(floor));
  // As a share like the throughput ratio: the bare route's CPU per request over the target's.
  return { ...result, cpuMs, bareCpuMs, cpuRatio: bareCpuMs / Math.max(1e-9, cpuMs) };
}

/**
 * `connections` spread over `origins` (one autocannon per instance, run together); signed-in
 * targets bind each connection to one holder of that instance's pool.
 */
async function measureRaw(target: Target, origins: string[], connections: number, durationS: number, pools: Map<string, Holder[]>, ramp?: Ramp): Promise<Raw> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const errorKinds: Record<string, number> = {};
  const unavailable = { withRetryAfter: 0, without: 0 };
  let errors = 0;
  let completed = 0;
  const per = Math.max(1, Math.floor(connections / origins.length));
  const batch = ramp ? Math.max(1, ramp.batch) : per;
  const runs = origins.flatMap((origin) => Array.from({ length: Math.ceil(per / batch) }, (_, i) => ({
    origin, connections: Math.min(batch, per - i * batch), delayMs: i * (ramp?.everyMs ?? 0),
  })));
  // One rotation over each instance's holders, shared by its batches.
  const nextHolder = new Map(origins.map((o) => [o, 0]));
  await Promise.all(runs.map(({ origin, connections: conns, delayMs }) => new Promise<void>((resolve, reject) => {
    const pool = pools.get(origin) ?? [];
    if (target.signedIn && pool.length === 0) return reject(new Error(`no signed-in holders on ${origin}`));
    setTimeout(() => start(), delayMs);
    const start = () => {
      const instance = autocannon({
        url: origin,
        connections: conns,
        duration: Math.max(1, durationS - delayMs / 1000),
        timeout: 30,
        requests: [{
          method: target.method,
          path: target.path,
          setupRequest: (req, ctx) => {
            if (!target.signedIn) return req;
            const context = ctx as { holder?: Holder };
            if (!context.holder) {
              const n = nextHolder.get(origin) ?? 0;
              nextHolder.set(origin, n + 1);
              context.holder = pool[n % pool.length]!;
            }
            const holder = context.holder;
            const headers: Record<string, string> = { cookie: holder.cookie, accept: 'application/json' };
            if (target.method === 'POST') {
              headers['x-csrf-token'] = holder.csrf;
              headers['content-type'] = 'application/json';
              headers.origin = origin;
            }
            return { ...req, headers, body: target.body?.(holder) } as typeof req;
          },
          // Headers are only seen here: is a 503 a deliberate one, telling the caller when to return?
          onResponse: (status, _body, _ctx, headers) => {
            if (status !== 503) return;
            if (headers?.['retry-after']) unavailable.withRetryAfter++;
            else unavailable.without++;
          },
        }],
      }, (err) => (err ? reject(err) : resolve()));
      instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
        completed++;
        latencies.push(ms);
        statuses[status] = (statuses[status] ?? 0) + 1;
      });
      instance.on('reqError', (err: Error & { code?: string }) => {
        errors++;
        const kind = err.code ?? err.message.slice(0, 40);
        errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
      });
    };
  })));
  return { latencies, statuses, errors, errorKinds, unavailable, completed, durationS };
}

export function row(label: string, f: Figures, ratioToBare?: number, cpu?: { cpuMs?: number; cpuRatio?: number }): string {
  const ratio = ratioToBare !== undefined ? `${ratioToBare.toFixed(3).padStart(6)}` : '     —';
  const bad = Object.entries(f.statuses).filter(([s]) => !s.startsWith('2')).map(([s, c]) => `${s}×${c}`).join(' ');
  const cpuText = cpu?.cpuMs !== undefined && cpu.cpuRatio !== undefined ? `  cpu ${cpu.cpuMs.toFixed(2).padStart(6)} ms/req ${cpu.cpuRatio.toFixed(3).padStart(6)}` : '';
  const kinds = Object.entries(f.errorKinds).map(([k, c]) => `${k}×${c}`).join(' ');
  return `  ${label.padEnd(34)} ${f.rps.toFixed(0).padStart(7)} req/s  p50 ${f.p50.toFixed(0).padStart(5)} ms  p99 ${f.p99.toFixed(0).padStart(5)} ms  ${ratio}${cpuText}  non-2xx ${f.non2xx}${bad ? ` (${bad})` : ''}  errors ${f.errors}${kinds ? ` (${kinds})` : ''}`;
}

export const HEADER = `  ${'route'.padEnd(34)} ${'throughput'.padStart(13)}  ${'p50'.padStart(12)}  ${'p99'.padStart(12)}  × bare  (server CPU per request, bare's ÷ route's)`;
