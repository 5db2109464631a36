// The audit of what the counter did (issue 13): who (the staff account) redeemed which usage code
// (its SHA-256, never the code) for which case and service item, when, and the outcome. No names,
// no identity numbers: the staff account and the case number lead to the rest where policy allows.
import { createHash } from 'node:crypto';
import { migrate, sqliteArgs, sqliteSql, type BffDb, type Migration } from './db.ts';
import type { PgPool } from './pg.ts';

export interface CounterAuditEntry {
  at: number;
  /** 'counter.redeem', 'counter.archive', 'counter.by-function'. */
  event: string;
  staff: string;
  bizNum: string;
  serviceItemCode: string;
  /** SHA-256 (hex) of the code as presented (a usage code, a counter code or a by-function handle); null for a search. */
  codeHash: string | null;
  /** 'ok' or the refusal's code. */
  outcome: string;
}

export interface CounterAuditStore {
  record(e: CounterAuditEntry): Promise<void>;
  /** The newest entries of one staff account, newest first. */
  ofStaff(staff: string, limit: number): Promise<CounterAuditEntry[]>;
}

/** From the counter service's own log call: the request it served and what came of it. */
export function auditEntry(event: string, staff: string, req: { bizNum: string; serviceItemCode: string; authCode?: string }, extra: Record<string, unknown>, at: number): CounterAuditEntry {
  const code = typeof req.authCode === 'string' ? req.authCode.trim() : null;
  return {
    at, event, staff, bizNum: req.bizNum, serviceItemCode: req.serviceItemCode,
    codeHash: code ? createHash('sha256').update(code).digest('hex') : null,
    outcome: typeof extra.outcome === 'string' ? extra.outcome : 'ok',
  };
}

const TABLE = (time: string) => `
  CREATE TABLE counter_audit (
    at ${time} NOT NULL,
    event TEXT NOT NULL,
    staff TEXT NOT NULL,
    biz_num TEXT NOT NULL,
    service_item_code TEXT NOT NULL,
    code_hash TEXT,
    outcome TEXT NOT NULL
  );
  CREATE INDEX counter_audit_staff ON counter_audit (staff, at);
  CREATE INDEX counter_audit_code ON counter_audit (code_hash);
`;
export const SQLITE_COUNTER_AUDIT_MIGRATIONS: readonly Migration[] = [{ id: 'counter-audit-001', sql: TABLE('INTEGER') }];
export const PG_COUNTER_AUDIT_MIGRATIONS: readonly Migration[] = [{ id: 'counter-audit-001', sql: TABLE('BIGINT') }];

interface Row {
  at: number;
  event: string;
  staff: string;
  biz_num: string;
  service_item_code: string;
  code_hash: string | null;
  outcome: string;
}

const toEntry = (r: Row): CounterAuditEntry => ({
  at: r.at, event: r.event, staff: r.staff, bizNum: r.biz_num, serviceItemCode: r.service_item_code, codeHash: r.code_hash, outcome: r.outcome,
});
const values = (e: CounterAuditEntry) => [e.at, e.event, e.staff, e.bizNum, e.serviceItemCode, e.codeHash, e.outcome];
const INSERT = 'INSERT INTO counter_audit (at, event, staff, biz_num, service_item_code, code_hash, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7)';
const OF_STAFF = 'SELECT * FROM counter_audit WHERE staff = $1 ORDER BY at DESC LIMIT $2';

export class SqliteCounterAuditStore implements CounterAuditStore {
  readonly #insert;
  readonly #ofStaff;

  constructor(db: BffDb) {
    migrate(db, SQLITE_COUNTER_AUDIT_MIGRATIONS);
    this.#insert = db.prepare(sqliteSql(INSERT));
    this.#ofStaff = db.prepare<[Record<string, unknown>], Row>(sqliteSql(OF_STAFF));
  }

  async record(e: CounterAuditEntry): Promise<void> {
    this.#insert.run(sqliteArgs(...values(e)));
  }

  async ofStaff(staff: string, limit: number): Promise<CounterAuditEntry[]> {
    return this.#ofStaff.all(sqliteArgs(staff, limit)).map(toEntry);
  }
}

export class PgCounterAuditStore implements CounterAuditStore {
  constructor(private readonly pool: PgPool) {}

  async record(e: CounterAuditEntry): Promise<void> {
    await this.pool.query(INSERT, values(e));
  }

  async ofStaff(staff: string, limit: number): Promise<CounterAuditEntry[]> {
    return (await this.pool.query<Row>(OF_STAFF, [staff, limit])).rows.map(toEntry);
  }
}
