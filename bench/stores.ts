// npm run bench:stores — what the stores cost per holder action (issue 13, docs/deployment.md's
// sizing), in one run: the authorisation store on SQLite (the embedded default's WAL file) and on a
// durable PostgreSQL (fsync and synchronous commit on, the app's pool of 10), and the Redis calls
// of a request beside them. Each operation at concurrency 1 and 16: operations a second and p99.
// Figures and ratios, not a timed test.
//
//   npm run bench:stores [-- --ops 2000 --rows 50000]
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { DataCipher } from '../src/bff/store/crypto.ts';
import { openBffDb, type BffDb } from '../src/bff/store/db.ts';
import { SqliteAuthorisationStore } from '../src/bff/store/authorisations-sqlite.ts';
import { PgAuthorisationStore } from '../src/bff/store/pg-authorisations.ts';
import { migratePg } from '../src/bff/store/migrations.ts';
import { openPgPool, type PgPool } from '../src/bff/store/pg.ts';
import { PG_MIGRATIONS } from '../src/bff/store/pg-stores.ts';
import type { AuthorisationStore } from '../src/bff/store/authorisations.ts';
import { RedisConnection } from '../src/bff/store/redis.ts';
import { RedisSessionStore } from '../src/bff/store/sessions-redis.ts';
import { RedisStreamSlots } from '../src/bff/store/redis-stream-slots.ts';
import { startPostgres } from '../tests/support/postgres.ts';
import { startRedis } from '../tests/support/redis.ts';

const { values: args } = parseArgs({ options: { ops: { type: 'string', default: '2000' }, rows: { type: 'string', default: '50000' } } });
const OPS = Number(args.ops);
const ROWS = Number(args.rows);
const HOLDERS = 5_000;
const CONCURRENCY = [1, 16];
/** Of the rows already there, this many are still active (the rest expired long ago, as most of a day's are). */
const ACTIVE_ROWS = 1_000;
const DAY = 86_400_000;

interface Figure { ops: number; p99: number }

/** `n` calls of `op`, `concurrency` at a time, after a tenth as many untimed: calls a second and the 99th percentile latency (ms). */
async function measure(n: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<Figure> {
  for (let i = 0; i < n / 10; i++) await op(n + i);
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      const started = performance.now();
      await op(i);
      latencies.push(performance.now() - started);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { ops: n / seconds, p99: latencies[Math.min(latencies.length - 1, Math.floor(0.99 * latencies.length))]! };
}

const cell = (f: Figure): string => `${f.ops.toFixed(0).padStart(7)} /s ${f.p99.toFixed(2).padStart(7)} ms`;

let seq = 0;
const claim = (now: number) => {
  seq += 1;
  return {
    id: `bench-${seq}`, sub: `holder-${seq % HOLDERS}`, idempotency_key: `key-${seq}`, request_fingerprint: 'LIC|ITEM', license_code: 'LIC-1', license_name: '居民户口簿',
    service_item_code: 'ITEM-1', service_item_name: '户口迁移', org_name: '东城区政务服务中心', org_code: 'ORG-DC', created_at: now,
    revoke_credential: `eyJ${randomBytes(600).toString('base64url')}`,
  };
};

/** The holder actions' store calls, as the services make them. */
function operations(store: AuthorisationStore) {
  const made: string[] = [];
  let used = 0;
  return {
    'authorise: claim + minted + activate': async () => {
      const now = Date.now();
      const c = claim(now);
      await store.claim(c);
      const code = randomBytes(16).toString('hex');
      await store.recordMinted(c.id, code, []);
      await store.activate(c.id, { authCode: code, createdAt: now, expiresAt: now + 300_000, codeExpiresAt: now + 600_000, revokeCredential: c.revoke_credential });
      made.push(c.id);
    },
    'redemption: add use + status to used': async () => {
      const id = made[used++ % made.length]!;
      const now = Date.now();
      await store.addRedemption(id, { authCode: id, interface: 'get_license', system: 'counter', systemName: '窗口系统', orgName: '东城区政务服务中心', operatorName: null, timeText: String(now), at: now });
      await store.transition(id, ['active'], 'used', now);
    },
    'history read: a holder\'s records': async (i: number) => store.ofSub(`holder-${(i * 7919) % HOLDERS}`),
    'expiry pass, nothing due (3 queries)': async () => {
      const now = Date.now();
      await store.claimLeftovers(now - 120_000, now, 30_000, 50);
      await store.claimDue(now, 30_000, 50);
      await store.nextDue(now, now + 1_000);
    },
  };
}

/** A day's records already there: most expired long ago, some active. One statement per engine. */
const PREFILL_COLUMNS = `id, sub, idempotency_key, request_fingerprint, state, license_code, license_name, service_item_code, service_item_name, org_name, org_code,
  auth_code, created_at, expires_at, code_expires_at, upstream_revoked`;

function prefillSqlite(db: BffDb, now: number): void {
  const insert = db.prepare(`INSERT INTO holder_authorisations (${PREFILL_COLUMNS}) VALUES (?, ?, ?, 'L|I', ?, 'LIC-1', '居民户口簿', 'ITEM-1', '户口迁移', '东城区政务服务中心', 'ORG-DC', ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    for (let i = 0; i < ROWS; i++) {
      const active = i < ACTIVE_ROWS;
      insert.run(`pre-${i}`, `holder-${i % HOLDERS}`, `pre-${i}`, active ? 'active' : 'expired', `PRE${i}`, now - DAY, active ? now + DAY : now - DAY, active ? now + DAY : now - DAY, active ? 0 : 1);
    }
  })();
}

async function prefillPg(pool: PgPool, now: number): Promise<void> {
  await pool.query(`INSERT INTO holder_authorisations (${PREFILL_COLUMNS})
    SELECT 'pre-' || i, 'holder-' || (i % ${HOLDERS}), 'pre-' || i, 'L|I', CASE WHEN i < $2::int THEN 'active' ELSE 'expired' END, 'LIC-1', '居民户口簿', 'ITEM-1', '户口迁移',
      '东城区政务服务中心', 'ORG-DC', 'PRE' || i, $1::bigint - ${DAY}, CASE WHEN i < $2::int THEN $1::bigint + ${DAY} ELSE $1::bigint - ${DAY} END, CASE WHEN i < $2::int THEN $1::bigint + ${DAY} ELSE $1::bigint - ${DAY} END,
      CASE WHEN i < $2::int THEN 0 ELSE 1 END
    FROM generate_series(0, $3::int - 1) AS i`, [now, ACTIVE_ROWS, ROWS]);
  await pool.query('ANALYZE holder_authorisations');
}

async function runEngine(label: string, store: AuthorisationStore): Promise<Map<string, Figure[]>> {
  const results = new Map<string, Figure[]>();
  const ops = operations(store);
  for (const [name, op] of Object.entries(ops)) {
    const figures: Figure[] = [];
    for (const c of CONCURRENCY) figures.push(await measure(OPS, c, op));
    results.set(name, figures);
    console.log(`  ${name.padEnd(40)} ${label.padEnd(9)} ${figures.map(cell).join('   ')}`);
  }
  return results;
}

const header = `  ${'operation'.padEnd(40)} ${'engine'.padEnd(9)} ${CONCURRENCY.map((c) => `concurrency ${c}`.padEnd(21)).join('   ')}`;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

const dir = mkdtempSync(join(tmpdir(), 'ecert-bench-stores-'));
const [pg, redis] = await Promise.all([startPostgres({ durable: true }), startRedis()]);
const pool = openPgPool(pg.url);
const conn = new RedisConnection(redis.url, pino({ level: 'silent' }));
const stopServers = () => Promise.all([pg.stop(), redis.close()]).then(() => rmSync(dir, { recursive: true, force: true }));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopServers().then(() => process.exit(130)));
try {
  await conn.connect();
  const cipher = new DataCipher(randomBytes(32));
  const db = openBffDb(join(dir, 'bff.db'), randomBytes(32));
  const sqlite = new SqliteAuthorisationStore(db);
  await migratePg(pool, PG_MIGRATIONS);
  const now = Date.now();
  prefillSqlite(db, now);
  await prefillPg(pool, now);
  const pgVersion = (await pool.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v;
  console.log(`bench:stores — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; load average ${load()} at the start; node ${process.version}`);
  console.log(`  SQLite ${(db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v} (WAL file, synchronous=NORMAL) · PostgreSQL ${pgVersion} (fsync on, synchronous_commit on, pool of 10, same machine) · redis-server ${redis.url}`);
  console.log(`  ${OPS} calls per cell; ${ROWS} records already there (${ACTIVE_ROWS} active), over ${HOLDERS} holders; credentials sealed as in the app\n`);
  console.log(header);
  const onSqlite = await runEngine('sqlite', sqlite);
  const onPg = await runEngine('postgres', new PgAuthorisationStore(pool, cipher));

  const sessions = new RedisSessionStore(conn, cipher, { idleSeconds: 1800, absoluteSeconds: 28800 });
  const jwt = `eyJ${randomBytes(600).toString('base64url')}`;
  const identity = { sub: 'u', name: '张三', identityType: '111', identityNum: '110101199003077777', role: 'citizen' as const };
  const cookies: string[] = [];
  for (let i = 0; i < 1000; i++) cookies.push((await sessions.create(identity, { credential: jwt, credentialExpiresAt: Date.now() + 3_600_000, refreshToken: 'r', idToken: jwt })).cookieValue);
  const slots = new RedisStreamSlots(conn);
  const redisOps: Record<string, (i: number) => Promise<unknown>> = {
    'session read (every request)': (i) => sessions.find(cookies[i % cookies.length]!),
    'stream slot: acquire + release': async (i) => (await slots.acquire(`s-${i % 1000}`, 4))?.release(),
  };
  for (const [name, op] of Object.entries(redisOps)) {
    const figures: Figure[] = [];
    for (const c of CONCURRENCY) figures.push(await measure(OPS, c, op));
    console.log(`  ${name.padEnd(40)} ${'redis'.padEnd(9)} ${figures.map(cell).join('   ')}`);
  }
  await slots.close();

  console.log('\n  PostgreSQL ÷ SQLite (operations a second):');
  for (const [name, pgFigures] of onPg) {
    const sq = onSqlite.get(name)!;
    console.log(`  ${name.padEnd(40)} ${CONCURRENCY.map((c, i) => `c=${c}: ${(pgFigures[i]!.ops / sq[i]!.ops).toFixed(2)}`).join('   ')}`);
  }
  console.log(`\n  load average ${load()} at the end`);
  db.close();
} finally {
  await conn.close();
  await pool.end();
  await stopServers();
}
