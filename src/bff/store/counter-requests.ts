// Requests a counter screen starts (扫码授权, issue 15): one row per request QR. The id is a bearer
// secret for as long as the request lives, so only its SHA-256 is kept. Each state change is one
// conditional UPDATE, so a request is answered once and its result handed to the counter once,
// however many instances or polls race for it.
import { createHash } from 'node:crypto';
import type { RequestState } from '../../contract/counter-request.ts';
import { migrate, type BffDb, type Migration } from './db.ts';

export const COUNTER_REQUEST_MIGRATIONS: readonly Migration[] = [
  {
    id: 'counter-requests-001',
    sql: `
      CREATE TABLE counter_requests (
        id_hash TEXT PRIMARY KEY,
        staff_sub TEXT NOT NULL,
        org_code TEXT NOT NULL,
        org_name TEXT NOT NULL,
        service_item_code TEXT NOT NULL,
        service_item_name TEXT NOT NULL,
        biz_num TEXT NOT NULL,
        license_item_codes TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        -- waiting, answered, delivering (the counter is redeeming), done, declined, failed
        state TEXT NOT NULL,
        holder_sub TEXT,
        authorisation_id TEXT,
        message TEXT
      );
      CREATE INDEX counter_requests_expiry ON counter_requests (expires_at);
    `,
  },
];

export type StoredRequestState = Exclude<RequestState, 'expired'> | 'delivering';

export interface CounterRequestRow {
  id_hash: string;
  staff_sub: string;
  org_code: string;
  org_name: string;
  service_item_code: string;
  service_item_name: string;
  biz_num: string;
  license_item_codes: string;
  created_at: number;
  expires_at: number;
  state: StoredRequestState;
  holder_sub: string | null;
  authorisation_id: string | null;
  message: string | null;
}

export type NewCounterRequest = Omit<CounterRequestRow, 'id_hash' | 'state' | 'holder_sub' | 'authorisation_id' | 'message'>;

export const requestHash = (id: string): string => createHash('sha256').update(id).digest('hex');

/** Rows are kept this long after expiry (the counter may still ask once), then dropped. */
const KEEP_MS = 60 * 60_000;

export class CounterRequestStore {
  readonly #st;

  constructor(db: BffDb) {
    migrate(db, COUNTER_REQUEST_MIGRATIONS);
    this.#st = {
      insert: db.prepare(`INSERT INTO counter_requests
        (id_hash, staff_sub, org_code, org_name, service_item_code, service_item_name, biz_num, license_item_codes, created_at, expires_at, state)
        VALUES (@id_hash, @staff_sub, @org_code, @org_name, @service_item_code, @service_item_name, @biz_num, @license_item_codes, @created_at, @expires_at, 'waiting')`),
      get: db.prepare<[string], CounterRequestRow>('SELECT * FROM counter_requests WHERE id_hash = ?'),
      answer: db.prepare<[string, string, string, number]>(`UPDATE counter_requests SET state = 'answered', holder_sub = ?, authorisation_id = ?
        WHERE id_hash = ? AND state = 'waiting' AND expires_at > ?`),
      decline: db.prepare<[string, string, number]>(`UPDATE counter_requests SET state = 'declined', holder_sub = ?
        WHERE id_hash = ? AND state = 'waiting' AND expires_at > ?`),
      take: db.prepare<[string]>(`UPDATE counter_requests SET state = 'delivering' WHERE id_hash = ? AND state = 'answered'`),
      settle: db.prepare<[string, string | null, string]>(`UPDATE counter_requests SET state = ?, message = ? WHERE id_hash = ? AND state = 'delivering'`),
      prune: db.prepare<[number]>('DELETE FROM counter_requests WHERE expires_at < ?'),
    };
  }

  /** Stores a new request under the hash of `id`; also drops requests long expired. */
  insert(id: string, r: NewCounterRequest): void {
    this.#st.prune.run(r.created_at - KEEP_MS);
    this.#st.insert.run({ ...r, id_hash: requestHash(id) });
  }

  byId(id: string): CounterRequestRow | undefined {
    return this.#st.get.get(requestHash(id));
  }

  /** waiting -> answered, once, before expiry. */
  answer(id: string, holderSub: string, authorisationId: string, now: number): boolean {
    return this.#st.answer.run(holderSub, authorisationId, requestHash(id), now).changes === 1;
  }

  decline(id: string, holderSub: string, now: number): boolean {
    return this.#st.decline.run(holderSub, requestHash(id), now).changes === 1;
  }

  /** answered -> delivering: only one poll redeems the code. */
  take(id: string): boolean {
    return this.#st.take.run(requestHash(id)).changes === 1;
  }

  /** delivering -> done, failed (with the reason shown to the clerk) or answered again (a transient fault, to retry). */
  settle(id: string, state: 'done' | 'failed' | 'answered', message: string | null = null): void {
    this.#st.settle.run(state, message, requestHash(id));
  }
}
