// The holder's credential, kept while a code still has to be withdrawn upstream, is sealed at rest
// with the BFF's data key in both engines (issue 13): the column holds no plain text, the services
// read it back whole, and a row written in plain text before sealing existed still reads, and is
// sealed by the start-up sweep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBffDb } from '../../src/bff/store/db.ts';
import { SqliteAuthorisationStore } from '../../src/bff/store/authorisations-sqlite.ts';
import { PgAuthorisationStore } from '../../src/bff/store/pg-authorisations.ts';
import { migratePg } from '../../src/bff/store/migrations.ts';
import { PG_MIGRATIONS } from '../../src/bff/store/pg-stores.ts';
import type { AuthorisationStore } from '../../src/bff/store/authorisations.ts';
import { claimOf, deploymentCipher, ENGINES, freshPgDatabase, pool, startEngines, stopEngines, type EngineName } from './engines.ts';

beforeAll(startEngines);
afterAll(stopEngines);

/** A store and the raw column as a copied database file or backup shows it. */
interface Engine {
  store: AuthorisationStore;
  column: (id: string) => Promise<string | null>;
  /** Writes a credential in plain text, as a BFF before sealing did. */
  writePlain: (id: string, credential: string) => Promise<void>;
}

async function engine(name: EngineName): Promise<Engine> {
  if (name === 'sqlite') {
    const db = openBffDb(':memory:');
    const store = new SqliteAuthorisationStore(db);
    return {
      store,
      column: async (id) => db.prepare<[string], { c: string | null }>('SELECT revoke_credential AS c FROM holder_authorisations WHERE id = ?').get(id)!.c,
      writePlain: async (id, credential) => void db.prepare('UPDATE holder_authorisations SET revoke_credential = ? WHERE id = ?').run(credential, id),
    };
  }
  const p = pool(await freshPgDatabase());
  await migratePg(p, PG_MIGRATIONS);
  return {
    store: new PgAuthorisationStore(p, deploymentCipher),
    column: async (id) => (await p.query<{ c: string | null }>('SELECT revoke_credential AS c FROM holder_authorisations WHERE id = $1', [id])).rows[0]!.c,
    writePlain: async (id, credential) => void await p.query('UPDATE holder_authorisations SET revoke_credential = $1 WHERE id = $2', [credential, id]),
  };
}

const CREDENTIAL = 'eyJhbGciOiJSUzI1NiJ9.holder-access-token.signature';

describe.each(ENGINES)('%s', (name) => {
  it('keeps no plain credential in the column and reads it back whole', async () => {
    const { store, column } = await engine(name);
    await store.claim(claimOf({ id: 'a1', revoke_credential: CREDENTIAL }));
    expect(await column('a1')).toMatch(/^enc1:/);
    expect(await column('a1')).not.toContain('holder-access-token');
    expect((await store.byKey('sub-zhangsan', 'key-1'))?.revoke_credential).toBe(CREDENTIAL);

    await store.activate('a1', { authCode: 'CODE-1', createdAt: 1_000, expiresAt: 2_000, codeExpiresAt: 9_000, revokeCredential: CREDENTIAL });
    const stored = await column('a1');
    expect(stored).toMatch(/^enc1:/);
    expect(stored).not.toContain('holder-access-token');
    // Every way the services read a record opens it: by id, by code, the holder's list and the expiry schedule.
    expect((await store.byId('a1'))?.revoke_credential).toBe(CREDENTIAL);
    expect((await store.byAuthCode('CODE-1'))?.revoke_credential).toBe(CREDENTIAL);
    expect((await store.ofSub('sub-zhangsan'))[0]?.revoke_credential).toBe(CREDENTIAL);
    expect((await store.claimDue(3_000, 30_000, 10))[0]?.revoke_credential).toBe(CREDENTIAL);
  });

  it('reads a credential written before sealing, and seals it at start-up', async () => {
    const { store, column, writePlain } = await engine(name);
    await store.claim(claimOf({ id: 'old', revoke_credential: null }));
    await store.activate('old', { authCode: 'CODE-OLD', createdAt: 1_000, expiresAt: 2_000, codeExpiresAt: 9_000, revokeCredential: null });
    await writePlain('old', CREDENTIAL);
    expect((await store.byId('old'))?.revoke_credential).toBe(CREDENTIAL);

    expect(await store.sealLeftoverCredentials()).toBe(1);
    expect(await column('old')).toMatch(/^enc1:/);
    expect(await column('old')).not.toContain('holder-access-token');
    expect((await store.byId('old'))?.revoke_credential).toBe(CREDENTIAL);
    expect(await store.sealLeftoverCredentials()).toBe(0);
  });
});
