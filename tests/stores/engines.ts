import { randomBytes } from 'node:crypto';
import { DataCipher } from '../../src/bff/store/crypto.ts';
import { openBffDb } from '../../src/bff/store/db.ts';
import { migratePg } from '../../src/bff/store/migrations.ts';
import { openPgPool, type PgPool } from '../../src/bff/store/pg.ts';
import { PG_MIGRATIONS } from '../../src/bff/store/pg-stores.ts';
import { PgAuthorisationStore } from '../../src/bff/store/pg-authorisations.ts';
import { PgLiveCodeStore } from '../../src/bff/store/counter-codes.ts';
import { PgCounterAuditStore } from '../../src/bff/store/counter-audit.ts';
import { PgCounterRequestStore } from '../../src/bff/store/pg-counter-requests.ts';
import { sqliteStores, type BffStores } from '../../src/bff/store/plugin.ts';
import { createDatabase, startPostgres, type PgServer } from '../support/postgres.ts';
import type { NewClaim } from '../../src/bff/store/authorisations.ts';

// The two engines behind the same store interfaces: a fresh SQLite file in memory, or a fresh
// database on this file's throw-away PostgreSQL server, per test.

export type EngineName = 'sqlite' | 'postgres';
export const ENGINES: EngineName[] = ['sqlite', 'postgres'];

/** The deployment's data key (BFF_DATA_KEY): the same on every instance of a test. */
export const deploymentCipher = new DataCipher(randomBytes(32));

let server: PgServer | null = null;
const pools: PgPool[] = [];

export async function startEngines(): Promise<void> {
  server = await startPostgres();
}

export async function stopEngines(): Promise<void> {
  await Promise.all(pools.splice(0).map((p) => p.end()));
  await server?.stop();
  server = null;
}

/** A migrated database on PostgreSQL; its URL. */
export async function freshPgDatabase(): Promise<string> {
  if (!server) throw new Error('startEngines() first');
  return createDatabase(server);
}

export function pool(url: string): PgPool {
  const p = openPgPool(url);
  pools.push(p);
  return p;
}

export function pgStores(p: PgPool): BffStores {
  return {
    engine: 'postgres', authorisations: new PgAuthorisationStore(p, deploymentCipher), liveCodes: new PgLiveCodeStore(p), counterAudit: new PgCounterAuditStore(p),
    counterRequests: new PgCounterRequestStore(p),
    ping: async () => undefined,
  };
}

/** Fresh, migrated stores on one engine. */
export async function freshStores(engine: EngineName): Promise<BffStores> {
  if (engine === 'sqlite') return sqliteStores(openBffDb(':memory:'));
  const p = pool(await freshPgDatabase());
  await migratePg(p, PG_MIGRATIONS);
  return pgStores(p);
}

export const claimOf = (over: Partial<NewClaim> = {}): NewClaim => ({
  id: over.id ?? `auth-${Math.random().toString(36).slice(2)}`,
  sub: 'sub-zhangsan', idempotency_key: 'key-1', request_fingerprint: 'LIC-1|ITEM-1', license_code: 'LIC-1', license_name: '居民户口簿',
  service_item_code: 'ITEM-1', service_item_name: '户口迁移', org_name: '东城区政务服务中心', org_code: 'ORG-DC', created_at: 1_000,
  revoke_credential: 'credential-1',
  ...over,
});
