// `npm run bench:load -- --redis N`: N BFF processes as production runs them (src/server.ts, the
// production switch) sharing one redis-server and one PostgreSQL, beside a standalone sandbox whose
// identity provider accepts each instance's own origin. The load runner then measures the first
// instance alone and all of them together, in the same run.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, startPostgres } from '../../tests/support/postgres.ts';
import { startRedis } from '../../tests/support/redis.ts';
import { freePort } from '../../tests/support/e2e.ts';
import { spawnServer, type Server } from './processes.ts';

export async function startRedisInstances(n: number): Promise<{ origins: string[]; servers: Server[] }> {
  const [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
  const databaseUrl = await createDatabase(pg, 'bench');
  const servers: Server[] = [
    { origin: redis.url, pid: 0, rss: () => 0, cpu: () => 0, output: () => '', stop: () => redis.close() },
    { origin: pg.url, pid: 0, rss: () => 0, cpu: () => 0, output: () => '', stop: () => pg.stop() },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'ecert-bench-redis-'));
  const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
  const origins = ports.map((p) => `http://127.0.0.1:${p}`);
  const sandboxPort = await freePort();
  const sandboxOrigin = `http://127.0.0.1:${sandboxPort}`;
  servers.push(await spawnServer(['--import', 'tsx', 'src/sandbox/main.ts'], {
    SANDBOX_PORT: String(sandboxPort), SANDBOX_HOST: '127.0.0.1', SANDBOX_DB: join(dir, 'sandbox.sqlite'),
    SANDBOX_IDP_REDIRECT_URIS: origins.map((o) => `${o}/auth/callback`).join(','),
    SANDBOX_IDP_POST_LOGOUT_URIS: origins.map((o) => `${o}/login`).join(','),
  }, `${sandboxOrigin}/idp/.well-known/openid-configuration`, sandboxOrigin, { cleanup: () => rmSync(dir, { recursive: true, force: true }) }));
  const dataKey = randomBytes(32).toString('base64');
  for (const [i, origin] of origins.entries()) {
    servers.push(await spawnServer(['--import', 'tsx', 'src/server.ts'], {
      PORT: String(ports[i]), HOST: '127.0.0.1', PUBLIC_ORIGIN: origin, TRUST_PROXY: '1', LOG_FORMAT: 'json', LOG_LEVEL: 'warn',
      REDIS_URL: redis.url, DATABASE_URL: databaseUrl, BFF_DB: join(dir, 'bff.sqlite'), BFF_DATA_KEY: dataKey,
      UPSTREAM_URL: `${sandboxOrigin}/license-app/v1`, UPSTREAM_APP_KEY: 'holder-h5', UPSTREAM_APP_SECRET: 'holder-h5-secret',
      UPSTREAM_ACCOUNT: 'holder-h5', UPSTREAM_PASSWORD: 'holder-h5-pass',
      COUNTER_UPSTREAM_APP_KEY: 'counter-demo', COUNTER_UPSTREAM_APP_SECRET: 'counter-demo-secret',
      COUNTER_UPSTREAM_ACCOUNT: 'counter01', COUNTER_UPSTREAM_PASSWORD: 'counter01-pass',
      IDP_ISSUER: `${sandboxOrigin}/idp`, IDP_CLIENT_ID: 'ecert-holder-bff', IDP_CLIENT_SECRET: 'ecert-holder-bff-dev-secret',
    }, `${origin}/healthz`, origin));
  }
  return { origins, servers };
}
