// Requests a counter screen starts (扫码授权, issue 15): one row per request QR. The id is a bearer
// secret for as long as the request lives, so only its SHA-256 is kept. Each state change is one
// conditional UPDATE, so a request is answered once and its result handed to the counter once,
// however many instances or polls race for it. One interface, two engines (issue 13): SQLite
// (counter-requests-sqlite.ts) is the embedded default; PostgreSQL (pg-counter-requests.ts) lets a
// request started on one instance be answered and collected on another.
import { createHash } from 'node:crypto';
import type { RequestState } from '../../contract/counter-request.ts';

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

/** The table, in either engine's type for epoch milliseconds (SQLite INTEGER, PostgreSQL BIGINT). */
export const counterRequestsTable = (time: 'INTEGER' | 'BIGINT'): string => `
  CREATE TABLE counter_requests (
    id_hash TEXT PRIMARY KEY,
    staff_sub TEXT NOT NULL,
    org_code TEXT NOT NULL,
    org_name TEXT NOT NULL,
    service_item_code TEXT NOT NULL,
    service_item_name TEXT NOT NULL,
    biz_num TEXT NOT NULL,
    license_item_codes TEXT NOT NULL,
    created_at ${time} NOT NULL,
    expires_at ${time} NOT NULL,
    -- waiting, answered, delivering (the counter is redeeming), done, declined, failed
    state TEXT NOT NULL,
    holder_sub TEXT,
    authorisation_id TEXT,
    message TEXT
  );
  CREATE INDEX counter_requests_expiry ON counter_requests (expires_at);
`;

/** Rows are kept this long after expiry (the counter may still ask once), then dropped. */
export const KEEP_MS = 60 * 60_000;

/** Every step is one statement, atomic on its own: instances share the store without a transaction across calls. */
export interface CounterRequestStore {
  /** Stores a new request under the hash of `id`; also drops requests long expired. */
  insert(id: string, r: NewCounterRequest): Promise<void>;
  byId(id: string): Promise<CounterRequestRow | undefined>;
  /** waiting -> answered, once, before expiry. */
  answer(id: string, holderSub: string, authorisationId: string, now: number): Promise<boolean>;
  /** waiting -> declined, once, before expiry. */
  decline(id: string, holderSub: string, now: number): Promise<boolean>;
  /** answered -> delivering: only one poll redeems the code. */
  take(id: string): Promise<boolean>;
  /** delivering -> done, failed (with the reason shown to the clerk) or answered again (a transient fault, to retry). */
  settle(id: string, state: 'done' | 'failed' | 'answered', message?: string | null): Promise<void>;
}
