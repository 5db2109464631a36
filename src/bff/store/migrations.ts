// One migration runner for both engines (issue 14): each part of the BFF brings its own ordered
// list; each migration runs once, in its own transaction, recorded by id in bff_migrations. On
// PostgreSQL the whole run holds a session advisory lock, so instances starting at once take
// turns: the second finds everything recorded and applies nothing.
import type { Database } from 'better-sqlite3';
import type { Pool } from 'pg';

export interface Migration {
  /** Unique and stable forever, prefixed by its owner: 'sessions-001', 'authorisations-001'. */
  id: string;
  sql: string;
}

const TABLE = 'CREATE TABLE IF NOT EXISTS bff_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)';
/** pg_advisory_lock key for migrations: any constant the deployment uses for nothing else ('ECMG'). */
export const MIGRATION_LOCK_KEY = 0x45434d47;

/** The engine's side of a run: whether an id is recorded, and applying one migration with its record. */
interface Engine {
  applied(id: string): Promise<boolean> | boolean;
  apply(m: Migration, at: number): Promise<void> | void;
}

async function runAll(engine: Engine, migrations: readonly Migration[], now: () => number): Promise<string[]> {
  const done: string[] = [];
  for (const m of migrations) {
    if (await engine.applied(m.id)) continue;
    await engine.apply(m, now());
    done.push(m.id);
  }
  return done;
}

/** SQLite: synchronous (the embedded stores migrate in their constructors). Returns the ids applied. */
export function migrate(db: Database, migrations: readonly Migration[], now: () => number = Date.now): string[] {
  db.exec(TABLE);
  const has = db.prepare<[string], { id: string }>('SELECT id FROM bff_migrations WHERE id = ?');
  const record = db.prepare('INSERT INTO bff_migrations (id, applied_at) VALUES (?, ?)');
  const applied: string[] = [];
  for (const m of migrations) {
    // Checked inside the write transaction: a second process on the same file skips it.
    db.transaction(() => {
      if (has.get(m.id)) return;
      db.exec(m.sql);
      record.run(m.id, now());
      applied.push(m.id);
    }).immediate();
  }
  return applied;
}

/** PostgreSQL: the same run on one connection, under pg_advisory_lock. Returns the ids applied. */
export async function migratePg(pool: Pool, migrations: readonly Migration[], now: () => number = Date.now): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(TABLE);
      return await runAll({
        applied: async (id) => (await client.query('SELECT 1 FROM bff_migrations WHERE id = $1', [id])).rowCount === 1,
        apply: async (m, at) => {
          await client.query('BEGIN');
          try {
            await client.query(m.sql);
            await client.query('INSERT INTO bff_migrations (id, applied_at) VALUES ($1, $2)', [m.id, at]);
            await client.query('COMMIT');
          } catch (err) {
            await client.query('ROLLBACK');
            throw err;
          }
        },
      }, migrations, now);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}
