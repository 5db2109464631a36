// The authorisation store on the BFF's SQLite file (BFF_DB): the embedded default, one process.
import type { AuthorisationStatus, Redemption } from '../../contract/bff.ts';
import type { Statement } from 'better-sqlite3';
import { dataCipher, migrate, type BffDb, type Migration } from './db.ts';
import {
  CredentialSeal, LEFTOVERS_INDEX, dueBy, redemptionKey, toRedemption, type ActivateInput, type AuthorisationRow, type AuthorisationStore, type NewClaim, type RedemptionInput,
  type RedemptionRow, type StoredState,
} from './authorisations.ts';

export const AUTHORISATION_MIGRATIONS: readonly Migration[] = [
  {
    id: 'authorisations-001',
    sql: `
      CREATE TABLE holder_authorisations (
        id TEXT PRIMARY KEY,
        sub TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        -- What the key was first used for: a reuse for something else is refused, not answered.
        request_fingerprint TEXT NOT NULL,
        -- pending while license/holder is being called; then active, used, expired or revoked.
        state TEXT NOT NULL,
        license_code TEXT NOT NULL,
        license_name TEXT NOT NULL,
        service_item_code TEXT NOT NULL,
        service_item_name TEXT NOT NULL,
        org_name TEXT NOT NULL,
        org_code TEXT NOT NULL,
        auth_code TEXT UNIQUE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        -- When the upstream itself stops accepting the code; later than expires_at when the
        -- holder chose a shorter validity, and then the BFF revokes the code at expires_at.
        code_expires_at INTEGER NOT NULL,
        upstream_revoked INTEGER NOT NULL DEFAULT 0,
        closed_at INTEGER,
        UNIQUE (sub, idempotency_key)
      );
      CREATE INDEX holder_authorisations_sub ON holder_authorisations (sub, created_at);
      CREATE INDEX holder_authorisations_state ON holder_authorisations (state, expires_at);
      CREATE TABLE holder_redemptions (
        -- auth_code|interface|system|time: the same redemption seen in the feed and in uses is one row.
        redemption_key TEXT PRIMARY KEY,
        authorisation_id TEXT NOT NULL REFERENCES holder_authorisations (id) ON DELETE CASCADE,
        interface TEXT NOT NULL,
        system_name TEXT NOT NULL,
        org_name TEXT NOT NULL,
        operator_name TEXT,
        at INTEGER NOT NULL
      );
      CREATE INDEX holder_redemptions_authorisation ON holder_redemptions (authorisation_id, at);
      CREATE TABLE holder_feed_cursor (
        feed TEXT PRIMARY KEY,
        cursor TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    // Crash safety and durable expiry (issue 10): the codes license/holder minted are written down
    // before anything else happens to them, and the holder's credential is kept only while a code
    // still has to be withdrawn upstream (at a shorter chosen expiry, or after a crash).
    id: 'authorisations-002',
    sql: `
      ALTER TABLE holder_authorisations ADD COLUMN revoke_credential TEXT;
      ALTER TABLE holder_authorisations ADD COLUMN spare_codes TEXT;
    `,
  },
  {
    // The expiry schedule as a lease (issue 13): one runner at a time works on a due record.
    id: 'authorisations-003',
    sql: 'ALTER TABLE holder_authorisations ADD COLUMN lease_until INTEGER',
  },
  LEFTOVERS_INDEX,
];

/** The index behind byAuthCodeHash (sha256_hex is registered by openBffDb). */
const CODE_HASH_MIGRATIONS: readonly Migration[] = [
  { id: 'authorisations-code-hash-001', sql: 'CREATE INDEX holder_authorisations_code_hash ON holder_authorisations (sha256_hex(auth_code))' },
];

/** Expiry work is owed: the chosen expiry passed and the upstream code may be alive, or the record still says active. */
export const DUE_SQL = `state IN ('active', 'used') AND upstream_revoked = 0 AND (state = 'active' OR code_expires_at > @now)`;

export class SqliteAuthorisationStore implements AuthorisationStore {
  readonly #db: BffDb;
  readonly #seal: CredentialSeal;
  readonly #st;
  #byCodeHash: Statement<[string], AuthorisationRow> | undefined;

  constructor(db: BffDb) {
    this.#db = db;
    this.#seal = new CredentialSeal(dataCipher(db));
    migrate(db, AUTHORISATION_MIGRATIONS);
    const free = 'COALESCE(lease_until, 0) <= @now';
    this.#st = {
      claim: db.prepare(`INSERT OR IGNORE INTO holder_authorisations
        (id, sub, idempotency_key, request_fingerprint, state, license_code, license_name, service_item_code, service_item_name, org_name, org_code,
         auth_code, created_at, expires_at, code_expires_at, revoke_credential)
        VALUES (@id, @sub, @idempotency_key, @request_fingerprint, 'pending', @license_code, @license_name, @service_item_code, @service_item_name,
         @org_name, @org_code, NULL, @created_at, @created_at, @created_at, @revoke_credential)`),
      minted: db.prepare(`UPDATE holder_authorisations SET auth_code = ?, spare_codes = ? WHERE id = ? AND state = 'pending'`),
      spares: db.prepare('UPDATE holder_authorisations SET spare_codes = NULL WHERE id = ?'),
      dropCredential: db.prepare('UPDATE holder_authorisations SET revoke_credential = NULL WHERE id = ?'),
      setExpiry: db.prepare('UPDATE holder_authorisations SET expires_at = ? WHERE id = ?'),
      release: db.prepare(`DELETE FROM holder_authorisations WHERE id = ? AND state = 'pending'`),
      activate: db.prepare(`UPDATE holder_authorisations SET state = 'active', auth_code = @auth_code, created_at = @created_at,
        expires_at = @expires_at, code_expires_at = @code_expires_at, revoke_credential = @revoke_credential WHERE id = @id AND state = 'pending'`),
      byKey: db.prepare<[string, string], AuthorisationRow>('SELECT * FROM holder_authorisations WHERE sub = ? AND idempotency_key = ?'),
      byId: db.prepare<[string], AuthorisationRow>('SELECT * FROM holder_authorisations WHERE id = ?'),
      byCode: db.prepare<[string], AuthorisationRow>('SELECT * FROM holder_authorisations WHERE auth_code = ?'),
      ofSub: db.prepare<[string], AuthorisationRow>(`SELECT * FROM holder_authorisations WHERE sub = ? AND state != 'pending' ORDER BY created_at DESC LIMIT 500`),
      transition: db.prepare<[string, number, string, string]>(
        'UPDATE holder_authorisations SET state = ?, closed_at = COALESCE(closed_at, ?) WHERE id = ? AND state IN (SELECT value FROM json_each(?))',
      ),
      plainCredentials: db.prepare<[], { id: string; revoke_credential: string }>(
        `SELECT id, revoke_credential FROM holder_authorisations WHERE revoke_credential IS NOT NULL AND revoke_credential NOT LIKE 'enc1:%'`),
      resealCredential: db.prepare('UPDATE holder_authorisations SET revoke_credential = ? WHERE id = ? AND revoke_credential = ?'),
      upstreamRevoked: db.prepare('UPDATE holder_authorisations SET upstream_revoked = 1, revoke_credential = NULL WHERE id = ?'),
      addRedemption: db.prepare(`INSERT OR IGNORE INTO holder_redemptions (redemption_key, authorisation_id, interface, system_name, org_name, operator_name, at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      redemptions: db.prepare<[string], RedemptionRow>('SELECT interface, system_name, org_name, operator_name, at FROM holder_redemptions WHERE authorisation_id = ? ORDER BY at, rowid'),
      cursorGet: db.prepare<[string], { cursor: string }>('SELECT cursor FROM holder_feed_cursor WHERE feed = ?'),
      cursorSet: db.prepare(`INSERT INTO holder_feed_cursor (feed, cursor, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (feed) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`),
      claimDue: db.prepare<[{ now: number; until: number; limit: number }], AuthorisationRow>(`UPDATE holder_authorisations SET lease_until = @until
        WHERE id IN (SELECT id FROM holder_authorisations WHERE expires_at <= @now AND ${DUE_SQL} AND ${free} ORDER BY expires_at LIMIT @limit)
        RETURNING *`),
      claimLeftovers: db.prepare<[{ now: number; until: number; older: number; limit: number }], AuthorisationRow>(`UPDATE holder_authorisations SET lease_until = @until
        WHERE id IN (SELECT id FROM holder_authorisations WHERE (state = 'pending' OR spare_codes IS NOT NULL) AND created_at <= @older AND ${free} LIMIT @limit)
        RETURNING *`),
      lease: db.prepare(`UPDATE holder_authorisations SET lease_until = @until WHERE id = @id AND ${free}`),
      endLease: db.prepare('UPDATE holder_authorisations SET lease_until = ? WHERE id = ?'),
      nextDue: db.prepare<[{ now: number; until: number }], { at: number | null }>(`SELECT MIN(MAX(expires_at, COALESCE(lease_until, 0))) AS at FROM holder_authorisations
        WHERE ${DUE_SQL} AND expires_at <= @until`),
    };
  }

  async claim(c: NewClaim): Promise<boolean> {
    return this.#st.claim.run({ ...c, revoke_credential: this.#seal.seal(c.revoke_credential) }).changes === 1;
  }

  async release(id: string): Promise<void> {
    this.#st.release.run(id);
  }

  async recordMinted(id: string, authCode: string | null, spareCodes: string[]): Promise<void> {
    this.#st.minted.run(authCode, spareCodes.length > 0 ? JSON.stringify(spareCodes) : null, id);
  }

  async sparesRevoked(id: string): Promise<void> {
    this.#st.spares.run(id);
  }

  async dropCredential(id: string): Promise<void> {
    this.#st.dropCredential.run(id);
  }

  async setExpiry(id: string, expiresAt: number): Promise<void> {
    this.#st.setExpiry.run(expiresAt, id);
  }

  async activate(id: string, v: ActivateInput): Promise<void> {
    this.#st.activate.run({ id, auth_code: v.authCode, created_at: v.createdAt, expires_at: v.expiresAt, code_expires_at: v.codeExpiresAt, revoke_credential: this.#seal.seal(v.revokeCredential) });
  }

  async byKey(sub: string, key: string): Promise<AuthorisationRow | undefined> {
    return this.#seal.row(this.#st.byKey.get(sub, key));
  }

  async byId(id: string): Promise<AuthorisationRow | undefined> {
    return this.#seal.row(this.#st.byId.get(id));
  }

  async owned(sub: string, id: string): Promise<AuthorisationRow | undefined> {
    const row = this.#st.byId.get(id);
    return row && row.sub === sub && row.state !== 'pending' ? this.#seal.row(row) : undefined;
  }

  async byAuthCode(authCode: string): Promise<AuthorisationRow | undefined> {
    return this.#seal.row(this.#st.byCode.get(authCode));
  }

  async byAuthCodeHash(hash: string): Promise<AuthorisationRow | undefined> {
    if (!this.#byCodeHash) {
      migrate(this.#db, CODE_HASH_MIGRATIONS);
      this.#byCodeHash = this.#db.prepare<[string], AuthorisationRow>('SELECT * FROM holder_authorisations WHERE sha256_hex(auth_code) = ?');
    }
    return this.#seal.row(this.#byCodeHash.get(hash));
  }

  async ofSub(sub: string): Promise<AuthorisationRow[]> {
    return this.#seal.rows(this.#st.ofSub.all(sub));
  }

  async transition(id: string, from: StoredState[], to: AuthorisationStatus, at: number): Promise<boolean> {
    return this.#st.transition.run(to, at, id, JSON.stringify(from)).changes === 1;
  }

  async markUpstreamRevoked(id: string): Promise<void> {
    this.#st.upstreamRevoked.run(id);
  }

  async addRedemption(authorisationId: string, r: RedemptionInput): Promise<boolean> {
    return this.#st.addRedemption.run(redemptionKey(r), authorisationId, r.interface, r.systemName, r.orgName, r.operatorName, r.at).changes === 1;
  }

  async redemptions(authorisationId: string): Promise<Redemption[]> {
    return this.#st.redemptions.all(authorisationId).map(toRedemption);
  }

  async cursor(feed: string): Promise<string | undefined> {
    return this.#st.cursorGet.get(feed)?.cursor;
  }

  async saveCursor(feed: string, cursor: string, at: number): Promise<void> {
    this.#st.cursorSet.run(feed, cursor, at);
  }

  async claimDue(now: number, leaseMs: number, limit: number): Promise<AuthorisationRow[]> {
    return this.#seal.rows(this.#st.claimDue.all({ now, until: now + leaseMs, limit }));
  }

  async claimLeftovers(olderThan: number, now: number, leaseMs: number, limit: number): Promise<AuthorisationRow[]> {
    return this.#seal.rows(this.#st.claimLeftovers.all({ now, until: now + leaseMs, older: olderThan, limit }));
  }

  async lease(id: string, now: number, leaseMs: number): Promise<boolean> {
    return this.#st.lease.run({ id, now, until: now + leaseMs }).changes === 1;
  }

  async endLease(id: string, notBefore: number | null): Promise<void> {
    this.#st.endLease.run(notBefore, id);
  }

  async nextDue(now: number, until: number): Promise<number | null> {
    return dueBy(this.#st.nextDue.get({ now, until })?.at ?? null, until);
  }

  async sealLeftoverCredentials(): Promise<number> {
    let sealed = 0;
    for (const { id, revoke_credential: plain } of this.#st.plainCredentials.all()) {
      sealed += this.#st.resealCredential.run(this.#seal.seal(plain), id, plain).changes;
    }
    return sealed;
  }

  async ping(): Promise<void> {
    this.#db.prepare('SELECT 1').get();
  }
}
