// The server stores on PostgreSQL (DATABASE_URL): one pool, every store's migrations run once
// under the advisory lock (store/migrations.ts), then the stores.
import { migratePg } from './migrations.ts';
import { openPgPool, pingPg } from './pg.ts';
import { PG_AUTHORISATION_MIGRATIONS, PgAuthorisationStore } from './pg-authorisations.ts';
import { PgLiveCodeStore } from './counter-codes.ts';
import { PG_COUNTER_AUDIT_MIGRATIONS, PgCounterAuditStore } from './counter-audit.ts';
import { PG_COUNTER_REQUEST_MIGRATIONS, PgCounterRequestStore } from './pg-counter-requests.ts';
import type { BffStores } from './plugin.ts';
import type { DataCipher } from './crypto.ts';

export const PG_MIGRATIONS = [...PG_AUTHORISATION_MIGRATIONS, ...PG_COUNTER_AUDIT_MIGRATIONS, ...PG_COUNTER_REQUEST_MIGRATIONS];

export async function openPostgresStores(url: string, cipher: DataCipher): Promise<{ stores: BffStores; close: () => Promise<void> }> {
  const pool = openPgPool(url);
  try {
    await migratePg(pool, PG_MIGRATIONS);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return {
    stores: {
      engine: 'postgres',
      authorisations: new PgAuthorisationStore(pool, cipher),
      liveCodes: new PgLiveCodeStore(pool),
      counterAudit: new PgCounterAuditStore(pool),
      counterRequests: new PgCounterRequestStore(pool),
      ping: () => pingPg(pool),
    },
    close: () => pool.end(),
  };
}
