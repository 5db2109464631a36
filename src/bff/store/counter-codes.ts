// What the counter code (issue 15) needs of the BFF's records: the live holder codes of one
// organisation, oldest first. No state of its own: a counter code is derived from its usage code
// (services/counter-code.ts), so it lives and dies with it. One interface, two engines (issue 13);
// both read holder_authorisations, which the authorisation stores own and migrate.
import { sqliteArgs, sqliteSql, type BffDb } from './db.ts';
import type { PgPool } from './pg.ts';

export interface LiveCode {
  id: string;
  authCode: string;
  createdAt: number;
}

export interface LiveCodeStore {
  /** The organisation's codes still honoured at `now` (active, or used and bound to the counter that used them), oldest first, at most `limit`. */
  liveOfOrg(orgCode: string, now: number, limit: number): Promise<LiveCode[]>;
  /** How many of the organisation's live codes were minted before `createdAt` (ties broken by id). */
  liveBefore(orgCode: string, now: number, createdAt: number, id: string): Promise<number>;
}

interface LiveRow {
  id: string;
  auth_code: string;
  created_at: number;
}

const LIVE = `org_code = $1 AND state IN ('active', 'used') AND auth_code IS NOT NULL AND expires_at > $2`;
const BEFORE = `SELECT COUNT(*) AS n FROM holder_authorisations WHERE ${LIVE} AND (created_at < $3 OR (created_at = $3 AND id < $4))`;
const toLive = (r: LiveRow): LiveCode => ({ id: r.id, authCode: r.auth_code, createdAt: r.created_at });

export class SqliteLiveCodeStore implements LiveCodeStore {
  readonly #live;
  readonly #before;

  constructor(db: BffDb) {
    this.#live = db.prepare<[Record<string, unknown>], LiveRow>(sqliteSql(`SELECT id, auth_code, created_at FROM holder_authorisations WHERE ${LIVE} ORDER BY created_at, id LIMIT $3`));
    this.#before = db.prepare<[Record<string, unknown>], { n: number }>(sqliteSql(BEFORE));
  }

  async liveOfOrg(orgCode: string, now: number, limit: number): Promise<LiveCode[]> {
    return this.#live.all(sqliteArgs(orgCode, now, limit)).map(toLive);
  }

  async liveBefore(orgCode: string, now: number, createdAt: number, id: string): Promise<number> {
    return this.#before.get(sqliteArgs(orgCode, now, createdAt, id))?.n ?? 0;
  }
}

export class PgLiveCodeStore implements LiveCodeStore {
  constructor(private readonly pool: PgPool) {}

  async liveOfOrg(orgCode: string, now: number, limit: number): Promise<LiveCode[]> {
    const { rows } = await this.pool.query<LiveRow>(
      `SELECT id, auth_code, created_at FROM holder_authorisations WHERE ${LIVE} ORDER BY created_at, id LIMIT $3`, [orgCode, now, limit]);
    return rows.map(toLive);
  }

  async liveBefore(orgCode: string, now: number, createdAt: number, id: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      BEFORE, [orgCode, now, createdAt, id]);
    return rows[0]?.n ?? 0;
  }
}
