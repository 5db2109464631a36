// The BFF's own SQLite file (BFF_DB): sessions, pending logins, authorisation records. Each part
// of the BFF brings its own migrations (store/migrations.ts runs them).
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { DataCipher, resolveDataKey } from './crypto.ts';
import type { Database as Db } from 'better-sqlite3';

export type BffDb = Db;

const ciphers = new WeakMap<BffDb, DataCipher>();

/** The cipher for values sealed at rest in this database (store/crypto.ts). */
export function dataCipher(db: BffDb): DataCipher {
  let cipher = ciphers.get(db);
  if (!cipher) {
    // A database not opened through openBffDb (a test's own): a key for this process only.
    cipher = new DataCipher(resolveDataKey(':memory:'));
    ciphers.set(db, cipher);
  }
  return cipher;
}

// The one runner (store/migrations.ts); re-exported for the stores that migrate this file.
export { migrate, type Migration } from './migrations.ts';

/**
 * Opens (creating) the file with WAL, so readers never wait for the one writer. `dataKey`
 * (BFF_DATA_KEY) seals tokens and identity numbers; without it, the key file beside the database.
 */
export function openBffDb(file: string, dataKey?: Buffer | null): BffDb {
  const db = new Database(file);
  ciphers.set(db, new DataCipher(resolveDataKey(file, dataKey)));
  if (file !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Lookups by a hash of a secret (a usage code typed at the counter) use an index on this.
  db.function('sha256_hex', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? createHash('sha256').update(value).digest('hex') : null);
  return db;
}

/** One statement text for both engines: PostgreSQL's $1, $2… become SQLite's @p1, @p2… (reusable, unlike ?NNN in better-sqlite3). */
export const sqliteSql = (sql: string): string => sql.replace(/\$(\d+)/g, '@p$1');
/** The values for a statement made by sqliteSql, in $1, $2… order. */
export const sqliteArgs = (...values: unknown[]): Record<string, unknown> => Object.fromEntries(values.map((v, i) => [`p${i + 1}`, v]));
