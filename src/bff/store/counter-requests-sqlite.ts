// The counter-initiated requests on the BFF's SQLite file (BFF_DB): the embedded default, one process.
import { migrate, type BffDb, type Migration } from './db.ts';
import { counterRequestsTable, KEEP_MS, requestHash, type CounterRequestRow, type CounterRequestStore, type NewCounterRequest } from './counter-requests.ts';

export const COUNTER_REQUEST_MIGRATIONS: readonly Migration[] = [
  { id: 'counter-requests-001', sql: counterRequestsTable('INTEGER') },
];

export class SqliteCounterRequestStore implements CounterRequestStore {
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

  async insert(id: string, r: NewCounterRequest): Promise<void> {
    this.#st.prune.run(r.created_at - KEEP_MS);
    this.#st.insert.run({ ...r, id_hash: requestHash(id) });
  }

  async byId(id: string): Promise<CounterRequestRow | undefined> {
    return this.#st.get.get(requestHash(id));
  }

  async answer(id: string, holderSub: string, authorisationId: string, now: number): Promise<boolean> {
    return this.#st.answer.run(holderSub, authorisationId, requestHash(id), now).changes === 1;
  }

  async decline(id: string, holderSub: string, now: number): Promise<boolean> {
    return this.#st.decline.run(holderSub, requestHash(id), now).changes === 1;
  }

  async take(id: string): Promise<boolean> {
    return this.#st.take.run(requestHash(id)).changes === 1;
  }

  async settle(id: string, state: 'done' | 'failed' | 'answered', message: string | null = null): Promise<void> {
    this.#st.settle.run(state, message, requestHash(id));
  }
}
