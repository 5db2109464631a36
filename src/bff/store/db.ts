// The BFF's own SQLite file (BFF_DB): sessions, pending logins, authorisation records. Each part
// of the BFF brings its own migrations; each runs once, in order, recorded by id.
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

export interface Migration {
  /** Unique and stable forever, prefixed by its owner: 'sessions-001', 'authorisations-001'. */
  id: string;
  sql: string;
}

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
  db.exec('CREATE TABLE IF NOT EXISTS bff_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
  return db;
}

/** Applies the migrations that have not run yet, each in its own transaction. Returns the ids applied. */
export function migrate(db: BffDb, migrations: readonly Migration[]): string[] {
  const has = db.prepare<[string], { id: string }>('SELECT id FROM bff_migrations WHERE id = ?');
  const record = db.prepare('INSERT INTO bff_migrations (id, applied_at) VALUES (?, ?)');
  const applied: string[] = [];
  for (const m of migrations) {
    db.transaction(() => {
      if (has.get(m.id)) return;
      db.exec(m.sql);
      record.run(m.id, Date.now());
      applied.push(m.id);
    }).immediate();
  }
  return applied;
}
