// The authorisation store on PostgreSQL (DATABASE_URL, issue 13): the same records as the SQLite
// store, shared by every instance. Each method is one statement; the expiry schedule's leases take
// due rows with FOR UPDATE SKIP LOCKED, so two instances never work on the same record at once.
import { createHash } from 'node:crypto';
import type { AuthorisationStatus, Redemption } from '../../contract/bff.ts';
import type { DataCipher } from './crypto.ts';
import type { Migration } from './migrations.ts';
import type { PgPool } from './pg.ts';
import { pingPg } from './pg.ts';
import {
  CredentialSeal, LEFTOVERS_INDEX, dueBy, redemptionKey, toRedemption, type ActivateInput, type AuthorisationRow, type AuthorisationStore, type NewClaim, type RedemptionInput,
  type RedemptionRow, type StoredState,
} from './authorisations.ts';

export const PG_AUTHORISATION_MIGRATIONS: readonly Migration[] = [
  {
    id: 'authorisations-001',
    sql: `
      CREATE TABLE holder_authorisations (
        id TEXT PRIMARY KEY,
        sub TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        request_fingerprint TEXT NOT NULL,
        state TEXT NOT NULL,
        license_code TEXT NOT NULL,
        license_name TEXT NOT NULL,
        service_item_code TEXT NOT NULL,
        service_item_name TEXT NOT NULL,
        org_name TEXT NOT NULL,
        org_code TEXT NOT NULL,
        auth_code TEXT UNIQUE,
        -- SHA-256 (hex) of auth_code: the counter finds a presented code by it.
        auth_code_hash TEXT,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        code_expires_at BIGINT NOT NULL,
        upstream_revoked INTEGER NOT NULL DEFAULT 0,
        closed_at BIGINT,
        revoke_credential TEXT,
        spare_codes TEXT,
        lease_until BIGINT,
        UNIQUE (sub, idempotency_key)
      );
      CREATE INDEX holder_authorisations_sub ON holder_authorisations (sub, created_at);
      CREATE INDEX holder_authorisations_state ON holder_authorisations (state, expires_at);
      CREATE INDEX holder_authorisations_code_hash ON holder_authorisations (auth_code_hash);
      CREATE INDEX holder_authorisations_org ON holder_authorisations (org_code, created_at);
      CREATE TABLE holder_redemptions (
        redemption_key TEXT PRIMARY KEY,
        seq BIGSERIAL,
        authorisation_id TEXT NOT NULL REFERENCES holder_authorisations (id) ON DELETE CASCADE,
        interface TEXT NOT NULL,
        system_name TEXT NOT NULL,
        org_name TEXT NOT NULL,
        operator_name TEXT,
        at BIGINT NOT NULL
      );
      CREATE INDEX holder_redemptions_authorisation ON holder_redemptions (authorisation_id, at);
      CREATE TABLE holder_feed_cursor (
        feed TEXT PRIMARY KEY,
        cursor TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      );
    `,
  },
  LEFTOVERS_INDEX,
];

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const DUE = `state IN ('active', 'used') AND upstream_revoked = 0 AND (state = 'active' OR code_expires_at > $1)`;
const FREE = 'COALESCE(lease_until, 0) <= $1';

export class PgAuthorisationStore implements AuthorisationStore {
  readonly #seal: CredentialSeal;

  /** `cipher`: the BFF's data key (BFF_DATA_KEY), the same on every instance. */
  constructor(private readonly pool: PgPool, cipher: DataCipher) {
    this.#seal = new CredentialSeal(cipher);
  }

  async #one(sql: string, params: unknown[]): Promise<AuthorisationRow | undefined> {
    return this.#seal.row((await this.pool.query<AuthorisationRow>(sql, params)).rows[0]);
  }

  async #all(sql: string, params: unknown[]): Promise<AuthorisationRow[]> {
    return this.#seal.rows((await this.pool.query<AuthorisationRow>(sql, params)).rows);
  }

  async #run(sql: string, params: unknown[]): Promise<number> {
    return (await this.pool.query(sql, params)).rowCount ?? 0;
  }

  async claim(c: NewClaim): Promise<boolean> {
    return (await this.#run(`INSERT INTO holder_authorisations
      (id, sub, idempotency_key, request_fingerprint, state, license_code, license_name, service_item_code, service_item_name, org_name, org_code,
       created_at, expires_at, code_expires_at, revoke_credential)
      VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $10, $11, $11, $11, $12) ON CONFLICT DO NOTHING`,
    [c.id, c.sub, c.idempotency_key, c.request_fingerprint, c.license_code, c.license_name, c.service_item_code, c.service_item_name,
      c.org_name, c.org_code, c.created_at, this.#seal.seal(c.revoke_credential)])) === 1;
  }

  async release(id: string): Promise<void> {
    await this.#run(`DELETE FROM holder_authorisations WHERE id = $1 AND state = 'pending'`, [id]);
  }

  async recordMinted(id: string, authCode: string | null, spareCodes: string[]): Promise<void> {
    await this.#run(`UPDATE holder_authorisations SET auth_code = $1, auth_code_hash = $2, spare_codes = $3 WHERE id = $4 AND state = 'pending'`,
      [authCode, authCode === null ? null : sha256(authCode), spareCodes.length > 0 ? JSON.stringify(spareCodes) : null, id]);
  }

  async sparesRevoked(id: string): Promise<void> {
    await this.#run('UPDATE holder_authorisations SET spare_codes = NULL WHERE id = $1', [id]);
  }

  async dropCredential(id: string): Promise<void> {
    await this.#run('UPDATE holder_authorisations SET revoke_credential = NULL WHERE id = $1', [id]);
  }

  async setExpiry(id: string, expiresAt: number): Promise<void> {
    await this.#run('UPDATE holder_authorisations SET expires_at = $1 WHERE id = $2', [expiresAt, id]);
  }

  async activate(id: string, v: ActivateInput): Promise<void> {
    await this.#run(`UPDATE holder_authorisations SET state = 'active', auth_code = $2, auth_code_hash = $3, created_at = $4, expires_at = $5,
      code_expires_at = $6, revoke_credential = $7 WHERE id = $1 AND state = 'pending'`,
    [id, v.authCode, sha256(v.authCode), v.createdAt, v.expiresAt, v.codeExpiresAt, this.#seal.seal(v.revokeCredential)]);
  }

  byKey(sub: string, key: string): Promise<AuthorisationRow | undefined> {
    return this.#one('SELECT * FROM holder_authorisations WHERE sub = $1 AND idempotency_key = $2', [sub, key]);
  }

  byId(id: string): Promise<AuthorisationRow | undefined> {
    return this.#one('SELECT * FROM holder_authorisations WHERE id = $1', [id]);
  }

  owned(sub: string, id: string): Promise<AuthorisationRow | undefined> {
    return this.#one(`SELECT * FROM holder_authorisations WHERE id = $1 AND sub = $2 AND state != 'pending'`, [id, sub]);
  }

  byAuthCode(authCode: string): Promise<AuthorisationRow | undefined> {
    return this.#one('SELECT * FROM holder_authorisations WHERE auth_code = $1', [authCode]);
  }

  byAuthCodeHash(hash: string): Promise<AuthorisationRow | undefined> {
    return this.#one('SELECT * FROM holder_authorisations WHERE auth_code_hash = $1', [hash]);
  }

  ofSub(sub: string): Promise<AuthorisationRow[]> {
    return this.#all(`SELECT * FROM holder_authorisations WHERE sub = $1 AND state != 'pending' ORDER BY created_at DESC LIMIT 500`, [sub]);
  }

  async transition(id: string, from: StoredState[], to: AuthorisationStatus, at: number): Promise<boolean> {
    return (await this.#run('UPDATE holder_authorisations SET state = $1, closed_at = COALESCE(closed_at, $2) WHERE id = $3 AND state = ANY($4::text[])',
      [to, at, id, from])) === 1;
  }

  async markUpstreamRevoked(id: string): Promise<void> {
    await this.#run('UPDATE holder_authorisations SET upstream_revoked = 1, revoke_credential = NULL WHERE id = $1', [id]);
  }

  async addRedemption(authorisationId: string, r: RedemptionInput): Promise<boolean> {
    return (await this.#run(`INSERT INTO holder_redemptions (redemption_key, authorisation_id, interface, system_name, org_name, operator_name, at)
      VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
    [redemptionKey(r), authorisationId, r.interface, r.systemName, r.orgName, r.operatorName, r.at])) === 1;
  }

  async redemptions(authorisationId: string): Promise<Redemption[]> {
    const { rows } = await this.pool.query<RedemptionRow>(
      'SELECT interface, system_name, org_name, operator_name, at FROM holder_redemptions WHERE authorisation_id = $1 ORDER BY at, seq', [authorisationId]);
    return rows.map(toRedemption);
  }

  async cursor(feed: string): Promise<string | undefined> {
    return (await this.pool.query<{ cursor: string }>('SELECT cursor FROM holder_feed_cursor WHERE feed = $1', [feed])).rows[0]?.cursor;
  }

  async saveCursor(feed: string, cursor: string, at: number): Promise<void> {
    await this.#run(`INSERT INTO holder_feed_cursor (feed, cursor, updated_at) VALUES ($1, $2, $3)
      ON CONFLICT (feed) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`, [feed, cursor, at]);
  }

  claimDue(now: number, leaseMs: number, limit: number): Promise<AuthorisationRow[]> {
    return this.#all(`UPDATE holder_authorisations SET lease_until = $2 WHERE id IN (
      SELECT id FROM holder_authorisations WHERE expires_at <= $1 AND ${DUE} AND ${FREE} ORDER BY expires_at LIMIT $3 FOR UPDATE SKIP LOCKED
    ) RETURNING *`, [now, now + leaseMs, limit]);
  }

  claimLeftovers(olderThan: number, now: number, leaseMs: number, limit: number): Promise<AuthorisationRow[]> {
    return this.#all(`UPDATE holder_authorisations SET lease_until = $2 WHERE id IN (
      SELECT id FROM holder_authorisations WHERE (state = 'pending' OR spare_codes IS NOT NULL) AND created_at <= $3 AND ${FREE} LIMIT $4 FOR UPDATE SKIP LOCKED
    ) RETURNING *`, [now, now + leaseMs, olderThan, limit]);
  }

  async lease(id: string, now: number, leaseMs: number): Promise<boolean> {
    return (await this.#run(`UPDATE holder_authorisations SET lease_until = $2 WHERE id = $3 AND ${FREE}`, [now, now + leaseMs, id])) === 1;
  }

  async endLease(id: string, notBefore: number | null): Promise<void> {
    await this.#run('UPDATE holder_authorisations SET lease_until = $1 WHERE id = $2', [notBefore, id]);
  }

  async nextDue(now: number, until: number): Promise<number | null> {
    const { rows } = await this.pool.query<{ at: number | null }>(
      `SELECT MIN(GREATEST(expires_at, COALESCE(lease_until, 0))) AS at FROM holder_authorisations WHERE ${DUE} AND expires_at <= $2`, [now, until]);
    return dueBy(rows[0]?.at ?? null, until);
  }

  async sealLeftoverCredentials(): Promise<number> {
    const { rows } = await this.pool.query<{ id: string; revoke_credential: string }>(
      `SELECT id, revoke_credential FROM holder_authorisations WHERE revoke_credential IS NOT NULL AND revoke_credential NOT LIKE 'enc1:%'`);
    let sealed = 0;
    // Conditional on the plain value: a record that moved on meanwhile (another instance) is left as it is.
    for (const { id, revoke_credential: plain } of rows) {
      sealed += await this.#run('UPDATE holder_authorisations SET revoke_credential = $1 WHERE id = $2 AND revoke_credential = $3', [this.#seal.seal(plain), id, plain]);
    }
    return sealed;
  }

  ping(): Promise<void> {
    return pingPg(this.pool);
  }
}
