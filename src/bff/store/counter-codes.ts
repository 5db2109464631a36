// What the counter code (issue 15) needs of the BFF's records: the live holder codes of one
// organisation, oldest first. No state of its own: a counter code is derived from its usage code
// (services/counter-code.ts), so it lives and dies with it. An interface, so a server store
// (issue 13) can answer the same two questions.
import type { BffDb } from './db.ts';

export interface LiveCode {
  id: string;
  authCode: string;
  createdAt: number;
}

export interface LiveCodeStore {
  /** The organisation's codes still honoured at `now` (active, or used and bound to the counter that used them), oldest first, at most `limit`. */
  liveOfOrg(orgCode: string, now: number, limit: number): LiveCode[];
  /** How many of the organisation's live codes were minted before `createdAt` (ties broken by id). */
  liveBefore(orgCode: string, now: number, createdAt: number, id: string): number;
}

export class SqliteLiveCodeStore implements LiveCodeStore {
  readonly #live;
  readonly #before;

  constructor(db: BffDb) {
    // Reads holder_authorisations (store/authorisations.ts owns it and its migrations).
    this.#live = db.prepare<[string, number, number], { id: string; auth_code: string; created_at: number }>(
      `SELECT id, auth_code, created_at FROM holder_authorisations
       WHERE org_code = ? AND state IN ('active', 'used') AND auth_code IS NOT NULL AND expires_at > ? ORDER BY created_at, id LIMIT ?`);
    this.#before = db.prepare<[string, number, number, number, string], { n: number }>(
      `SELECT COUNT(*) AS n FROM holder_authorisations WHERE org_code = ? AND state IN ('active', 'used') AND auth_code IS NOT NULL AND expires_at > ?
       AND (created_at < ? OR (created_at = ? AND id < ?))`);
  }

  liveOfOrg(orgCode: string, now: number, limit: number): LiveCode[] {
    return this.#live.all(orgCode, now, limit).map((r) => ({ id: r.id, authCode: r.auth_code, createdAt: r.created_at }));
  }

  liveBefore(orgCode: string, now: number, createdAt: number, id: string): number {
    return this.#before.get(orgCode, now, createdAt, createdAt, id)?.n ?? 0;
  }
}
