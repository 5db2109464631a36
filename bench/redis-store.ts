// npm run bench:redis — what the shared store costs (issue 13, docs/deployment.md's sizing): Redis
// memory per signed-in holder, and the session store's own calls per second from one instance,
// beside a bare Redis GET measured in the same run (figures and ratios, not a timed test).
//
//   npm run bench:redis [-- --sessions 10000 --concurrency 50]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { DataCipher } from '../src/bff/store/crypto.ts';
import { RedisConnection } from '../src/bff/store/redis.ts';
import { RedisSessionStore } from '../src/bff/store/sessions-redis.ts';
import type { StoredSession } from '../src/bff/store/sessions.ts';
import { startRedis } from '../tests/support/redis.ts';

const { values: args } = parseArgs({ options: { sessions: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '50' } } });
const total = Number(args.sessions);
const concurrency = Number(args.concurrency);

async function rate(label: string, n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await op(next++);
  }));
  const perSecond = n / ((performance.now() - t0) / 1000);
  console.log(`  ${label.padEnd(44)} ${perSecond.toFixed(0).padStart(7)} /s`);
  return perSecond;
}

const redis = await startRedis();
const conn = new RedisConnection(redis.url, pino({ level: 'silent' }));
try {
  await conn.connect();
  const memory = async () => Number(/used_memory:(\d+)/.exec(await conn.client.info('memory'))![1]);
  const store = new RedisSessionStore(conn, new DataCipher(randomBytes(32)), { idleSeconds: 1800, absoluteSeconds: 28800 });
  // Tokens the size a government platform's JWTs tend to be (~800 characters).
  const jwt = `eyJ${randomBytes(600).toString('base64url')}`;
  const identity = { sub: 'u', name: '张三', identityType: '111', identityNum: '110101199003077777', role: 'citizen' as const };
  const tokens = { credential: jwt, credentialExpiresAt: Date.now() + 3_600_000, refreshToken: randomBytes(32).toString('base64url'), idToken: jwt };
  console.log(`bench:redis — redis-server ${redis.url}, ${total} sessions, ${concurrency} concurrent calls; node ${process.version}`);
  const before = await memory();
  const cookies: string[] = [];
  await rate('create (HSET + PEXPIREAT in MULTI)', total, async () => cookies.push((await store.create(identity, tokens)).cookieValue));
  const after = await memory();
  console.log(`  Redis memory per session                     ${((after - before) / total / 1024).toFixed(2).padStart(7)} KB`);
  const sessions: StoredSession[] = [];
  const findRate = await rate('find (HGETALL, open sealed fields)', total, async (i) => sessions.push((await store.find(cookies[i]))!));
  // Every touch due: the clock moved past the step for each.
  const later = new RedisSessionStore(conn, new DataCipher(randomBytes(32)), { idleSeconds: 1800, absoluteSeconds: 28800 }, () => Date.now() + 120_000);
  await rate('touch when due (script: HSET + PEXPIREAT)', total, (i) => later.touch(sessions[i]!));
  await conn.client.set('bench:plain', 'x');
  const getRate = await rate('bare GET of one small key', total, () => conn.client.get('bench:plain'));
  console.log(`  ratio find / bare GET: ${(findRate / getRate).toFixed(2)}`);
} finally {
  await conn.close();
  await redis.close();
}
