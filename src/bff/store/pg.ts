// The BFF's PostgreSQL connection pool (DATABASE_URL, issue 13). Times are epoch milliseconds in
// BIGINT columns; they are read back as numbers (safe below 2^53), as SQLite returns them.
import pg from 'pg';

export type PgPool = pg.Pool;

const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export function openPgPool(url: string, max = 10): PgPool {
  const pool = new pg.Pool({ connectionString: url, max, types, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server emits here; the next query reports it instead of the process dying.
  pool.on('error', () => undefined);
  return pool;
}

/** Readiness: one round trip (issue 13's /readyz). */
export async function pingPg(pool: PgPool): Promise<void> {
  await pool.query('SELECT 1');
}
