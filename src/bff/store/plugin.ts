// The BFF's stores, opened once and closed after the last request (issue 13). The SQLite file
// (app.bffDb) is always there: sessions and the embedded stores live in it. With DATABASE_URL the
// authorisation records, live codes, counter audit and counter-initiated requests live in PostgreSQL instead, migrated at
// start-up under an advisory lock; without it nothing of PostgreSQL is loaded.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { dataCipher, openBffDb, type BffDb } from './db.ts';
import type { AuthorisationStore } from './authorisations.ts';
import { SqliteAuthorisationStore } from './authorisations-sqlite.ts';
import { SqliteLiveCodeStore, type LiveCodeStore } from './counter-codes.ts';
import { SqliteCounterAuditStore, type CounterAuditStore } from './counter-audit.ts';
import type { CounterRequestStore } from './counter-requests.ts';
import { SqliteCounterRequestStore } from './counter-requests-sqlite.ts';
import { retryAfterOnStoreLoss } from './unavailable.ts';

export interface BffStores {
  engine: 'sqlite' | 'postgres';
  authorisations: AuthorisationStore;
  liveCodes: LiveCodeStore;
  counterAudit: CounterAuditStore;
  counterRequests: CounterRequestStore;
  /** Resolves when the records' engine answers (for /readyz); rejects otherwise. */
  ping(): Promise<void>;
}

export function sqliteStores(db: BffDb): BffStores {
  const authorisations = new SqliteAuthorisationStore(db);
  return {
    engine: 'sqlite', authorisations, liveCodes: new SqliteLiveCodeStore(db), counterAudit: new SqliteCounterAuditStore(db),
    counterRequests: new SqliteCounterRequestStore(db),
    ping: () => authorisations.ping(),
  };
}

async function openStores(app: FastifyInstance, config: Config, db: BffDb): Promise<BffStores> {
  if (!config.databaseUrl) return sqliteStores(db);
  // Loaded only when used: the embedded default never loads the PostgreSQL client.
  const { openPostgresStores } = await import('./pg-stores.ts');
  const { stores, close } = await openPostgresStores(config.databaseUrl, dataCipher(db));
  app.addHook('onClose', close);
  return stores;
}

export const bffStorePlugin = fp(async (app: FastifyInstance, opts: { config: Config }) => {
  const db = openBffDb(opts.config.bffDb, opts.config.dataKey);
  app.addHook('onClose', async () => {
    db.close();
  });
  app.decorate('bffDb', db);
  retryAfterOnStoreLoss(app);
  const stores = await openStores(app, opts.config, db);
  // Credentials written before they were sealed at rest (issue 13) are sealed now.
  const sealed = await stores.authorisations.sealLeftoverCredentials();
  if (sealed > 0) app.log.info({ sealed }, 'sealed holder credentials kept from before sealing');
  app.decorate('stores', stores);
}, { name: 'bff-store' });
