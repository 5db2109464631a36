// The counter-initiated requests on PostgreSQL (DATABASE_URL, issue 13): a request started on one
// instance is read, answered and collected on any other. Every step is one statement; each single-use
// step is a conditional UPDATE … RETURNING on the state it leaves, so of two instances racing for
// the same step exactly one gets the row back.
import type { Migration } from './migrations.ts';
import type { PgPool } from './pg.ts';
import { counterRequestsTable, KEEP_MS, requestHash, type CounterRequestRow, type CounterRequestStore, type NewCounterRequest } from './counter-requests.ts';

export const PG_COUNTER_REQUEST_MIGRATIONS: readonly Migration[] = [
  { id: 'counter-requests-001', sql: counterRequestsTable('BIGINT') },
];

export class PgCounterRequestStore implements CounterRequestStore {
  constructor(private readonly pool: PgPool) {}

  /** True when the conditional statement touched the row (RETURNING gave it back). */
  async #moved(sql: string, params: unknown[]): Promise<boolean> {
    return (await this.pool.query(sql, params)).rows.length === 1;
  }

  async insert(id: string, r: NewCounterRequest): Promise<void> {
    // One statement: the prune of long-expired rows rides along with the insert.
    await this.pool.query(`WITH pruned AS (DELETE FROM counter_requests WHERE expires_at < $11)
      INSERT INTO counter_requests
        (id_hash, staff_sub, org_code, org_name, service_item_code, service_item_name, biz_num, license_item_codes, created_at, expires_at, state)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'waiting')`,
    [requestHash(id), r.staff_sub, r.org_code, r.org_name, r.service_item_code, r.service_item_name, r.biz_num, r.license_item_codes,
      r.created_at, r.expires_at, r.created_at - KEEP_MS]);
  }

  async byId(id: string): Promise<CounterRequestRow | undefined> {
    return (await this.pool.query<CounterRequestRow>('SELECT * FROM counter_requests WHERE id_hash = $1', [requestHash(id)])).rows[0];
  }

  answer(id: string, holderSub: string, authorisationId: string, now: number): Promise<boolean> {
    return this.#moved(`UPDATE counter_requests SET state = 'answered', holder_sub = $1, authorisation_id = $2
      WHERE id_hash = $3 AND state = 'waiting' AND expires_at > $4 RETURNING id_hash`, [holderSub, authorisationId, requestHash(id), now]);
  }

  decline(id: string, holderSub: string, now: number): Promise<boolean> {
    return this.#moved(`UPDATE counter_requests SET state = 'declined', holder_sub = $1
      WHERE id_hash = $2 AND state = 'waiting' AND expires_at > $3 RETURNING id_hash`, [holderSub, requestHash(id), now]);
  }

  take(id: string): Promise<boolean> {
    return this.#moved(`UPDATE counter_requests SET state = 'delivering' WHERE id_hash = $1 AND state = 'answered' RETURNING id_hash`, [requestHash(id)]);
  }

  async settle(id: string, state: 'done' | 'failed' | 'answered', message: string | null = null): Promise<void> {
    await this.#moved(`UPDATE counter_requests SET state = $1, message = $2 WHERE id_hash = $3 AND state = 'delivering' RETURNING id_hash`,
      [state, message, requestHash(id)]);
  }
}
