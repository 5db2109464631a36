// npm run bench:sessions — the session lookup a request costs (issue 11), the store of another
// checkout (BENCH_APP_DIR, the "before") beside this one's, in one run, alternating batches so a busy
// neighbour lands on both sides alike. The lookup is what `plugins/session.ts` calls on every /api
// request: `find(cookie)`, holders taking turns as a page's requests do.
//
//   BENCH_APP_DIR=/path/to/main npm run bench:sessions [-- --holders 20 --rounds 20000]
//
// Three cases: SQLite with nothing written between lookups (a wallet being read), SQLite with a
// write after every lookup (timed too, on both sides; each write clears this checkout's memory of
// opened sessions, so every lookup misses: its worst case), and Redis (a real redis-server on a
// free port).
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startRedis } from '../tests/support/redis.ts';

const { values: args } = parseArgs({ options: { holders: { type: 'string', default: '20' }, rounds: { type: 'string', default: '20000' } } });
const HOLDERS = Number(args.holders);
const ROUNDS = Number(args.rounds);
const BATCHES = 10;

interface Store {
  create(identity: object, tokens: object): Promise<{ cookieValue: string }>;
  find(cookie: string): Promise<unknown>;
}
interface Side {
  label: string;
  sqlite: () => Promise<{ store: Store; write: () => void }>;
  redis: (url: string) => Promise<{ store: Store; close: () => Promise<void> }>;
}

const identity = (i: number) => ({ sub: `u${i}`, name: '张三', identityType: '111', identityNum: '110101199003071233', role: 'citizen' });
// Tokens of the sizes a provider issues: an opaque access and refresh token, an ID token (a JWT) of ~1 KB.
const tokens = () => ({
  credential: randomBytes(32).toString('base64url'), credentialExpiresAt: Date.now() + 3_600_000,
  refreshToken: randomBytes(32).toString('base64url'), idToken: `eyJ${randomBytes(720).toString('base64url')}`,
});
const timeouts = { idleSeconds: 1800, absoluteSeconds: 43_200 };
const log = pino({ level: 'silent' });

async function side(label: string, dir: string): Promise<Side> {
  const at = (file: string) => import(join(dir, 'src/bff/store', file));
  const [{ openBffDb }, { SqliteSessionStore }, { RedisSessionStore }, { RedisConnection }, { DataCipher }] =
    await Promise.all([at('db.ts'), at('sessions-sqlite.ts'), at('sessions-redis.ts'), at('redis.ts'), at('crypto.ts')]);
  return {
    label,
    sqlite: async () => {
      const db = openBffDb(':memory:', randomBytes(32));
      const store = new SqliteSessionStore(db, timeouts);
      const other = db.prepare('INSERT INTO pending_logins (id, state, nonce, verifier, return_to, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
      let n = 0;
      return { store, write: () => void other.run(`w${n++}`, 's', 'n', 'v', '/', Date.now() + 60_000) };
    },
    redis: async (url) => {
      const connection = new RedisConnection(url, log);
      await connection.connect();
      const store = new RedisSessionStore(connection, new DataCipher(randomBytes(32)), timeouts);
      await store.listening;
      return { store, close: () => connection.close() };
    },
  };
}

/** µs per lookup, the best of BATCHES alternating batches per side. */
async function compare(sides: Array<{ label: string; store: Store; between?: () => void }>): Promise<number[]> {
  const cookies = new Map<Store, string[]>();
  for (const s of sides) cookies.set(s.store, await Promise.all(Array.from({ length: HOLDERS }, async (_, i) => (await s.store.create(identity(i), tokens())).cookieValue)));
  const best = sides.map(() => Infinity);
  const batch = Math.max(HOLDERS, Math.floor(ROUNDS / BATCHES));
  for (let b = 0; b <= BATCHES; b++) {
    for (const [k, s] of sides.entries()) {
      const list = cookies.get(s.store)!;
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) {
        if (!(await s.store.find(list[i % HOLDERS]!))) throw new Error(`${s.label}: a holder's session was not found`);
        s.between?.();
      }
      if (b > 0) best[k] = Math.min(best[k]!, ((performance.now() - t0) * 1000) / batch); // batch 0 warms up
    }
  }
  return best;
}

const row = (what: string, figures: number[], labels: string[]) =>
  console.log(`  ${what.padEnd(46)} ${figures.map((f, i) => `${labels[i]} ${f.toFixed(1).padStart(7)} µs`).join('   ')}${figures.length === 2 ? `   after/before ${(figures[1]! / figures[0]!).toFixed(3)}` : ''}`);

const sides = [
  ...(process.env.BENCH_APP_DIR ? [await side('before', resolve(process.env.BENCH_APP_DIR))] : []),
  await side('after', resolve(import.meta.dirname, '..')),
];
const labels = sides.map((s) => s.label);
console.log(`session lookup (find), ${HOLDERS} holders taking turns, best of ${BATCHES} batches of ${Math.floor(ROUNDS / BATCHES)}:`);

const sqlite = await Promise.all(sides.map(async (s) => ({ label: s.label, ...(await s.sqlite()) })));
row('SQLite, nothing written between lookups', await compare(sqlite), labels);
row('SQLite, a write after every lookup (all miss)', await compare(sqlite.map((s) => ({ ...s, between: s.write }))), labels);

const redis = await startRedis();
try {
  const stores = await Promise.all(sides.map(async (s) => ({ label: s.label, ...(await s.redis(redis.url)) })));
  row('Redis (loopback)', await compare(stores), labels);
  await Promise.all(stores.map((s) => s.close()));
} finally {
  await redis.close();
}
