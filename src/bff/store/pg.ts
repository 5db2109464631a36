// The BFF's PostgreSQL connection pool (DATABASE_URL, issue 13). Times are epoch milliseconds in
// BIGINT columns; they are read back as numbers (safe below 2^53), as SQLite returns them.
//
// While PostgreSQL is away every query fails fast with StoreUnavailableError (a 503 with
// Retry-After on the routes): a refused connection at once, a dead connection when it is noticed,
// a hung server after the query timeout. The pool opens fresh connections on the next query, so
// an instance recovers by itself when PostgreSQL returns.
import pg from 'pg';
import { storeUnavailable } from './unavailable.ts';

export type PgPool = pg.Pool;

const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

const CONNECT_TIMEOUT_MS = 5_000;
/** Far above any statement of these stores (milliseconds on a loaded machine); a hung server ends here. */
const QUERY_TIMEOUT_MS = 15_000;

/** Network failures the pool reports as plain Node errors. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** What pg says when a connection dies, cannot be made in time or a query outlives query_timeout. */
const LOST = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|not queryable/i;

/**
 * True when `err` says the server is out of reach, not that a statement is wrong: socket errors,
 * SQLSTATE class 08 (connection exception) and 57P01-57P03 (shutting down, crashed, starting up).
 */
export function isConnectionLoss(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof pg.DatabaseError) return /^(08|57P0[123])/.test(err.code ?? '');
  const code = (err as NodeJS.ErrnoException).code;
  return (code !== undefined && SOCKET_CODES.has(code)) || LOST.test(err.message);
}

export function openPgPool(url: string, max = 10): PgPool {
  const pool = new pg.Pool({ connectionString: url, max, types, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: QUERY_TIMEOUT_MS });
  // An idle client that loses its server emits here; the next query reports it instead of the process dying.
  pool.on('error', () => undefined);
  const query = pool.query.bind(pool) as (...a: unknown[]) => Promise<unknown>;
  pool.query = (async (...args: unknown[]) => {
    try {
      return await query(...args);
    } catch (err) {
      throw isConnectionLoss(err) ? storeUnavailable() : err;
    }
  }) as typeof pool.query;
  return pool;
}

/** Readiness: one round trip (issue 13's /readyz). */
export async function pingPg(pool: PgPool): Promise<void> {
  await pool.query('SELECT 1');
}
