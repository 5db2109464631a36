// The BFF's records of the holder's authorisations (授权用证), their redemptions as the upstream
// reported them, and the cursor of the upstream events feed.
import type { AuthorisationStatus, Redemption } from '../../contract/bff.ts';
import type { Statement } from 'better-sqlite3';
import { migrate, type BffDb, type Migration } from './db.ts';

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
];

/** The index behind byAuthCodeHash (sha256_hex is registered by openBffDb). */
const CODE_HASH_MIGRATIONS: readonly Migration[] = [
  { id: 'authorisations-code-hash-001', sql: 'CREATE INDEX holder_authorisations_code_hash ON holder_authorisations (sha256_hex(auth_code))' },
];

export type StoredState = 'pending' | AuthorisationStatus;

export interface AuthorisationRow {
  id: string;
  sub: string;
  idempotency_key: string;
  request_fingerprint: string;
  state: StoredState;
  license_code: string;
  license_name: string;
  service_item_code: string;
  service_item_name: string;
  org_name: string;
  org_code: string;
  auth_code: string | null;
  created_at: number;
  expires_at: number;
  code_expires_at: number;
  upstream_revoked: number;
  closed_at: number | null;
  /** The holder's credential, kept only while this record still owes an upstream revoke. */
  revoke_credential: string | null;
  /** JSON list of codes license/holder minted beside the chosen one, until they are revoked. */
  spare_codes: string | null;
}

export type NewClaim = Pick<
  AuthorisationRow,
  'id' | 'sub' | 'idempotency_key' | 'request_fingerprint' | 'license_code' | 'license_name' | 'service_item_code' | 'service_item_name' | 'org_name' | 'org_code' | 'created_at'
  | 'revoke_credential'
>;

export interface RedemptionInput {
  authCode: string;
  interface: Redemption['interface'];
  system: string;
  systemName: string;
  orgName: string;
  operatorName: string | null;
  /** The upstream's own time text, part of the dedup key. */
  timeText: string;
  at: number;
}

interface RedemptionRow {
  interface: Redemption['interface'];
  system_name: string;
  org_name: string;
  operator_name: string | null;
  at: number;
}

export class AuthorisationStore {
  readonly #db: BffDb;
  readonly #st;
  #byCodeHash: Statement<[string], AuthorisationRow> | undefined;

  constructor(db: BffDb) {
    this.#db = db;
    migrate(db, AUTHORISATION_MIGRATIONS);
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
      pending: db.prepare<[], AuthorisationRow>(`SELECT * FROM holder_authorisations WHERE state = 'pending'`),
      withSpares: db.prepare<[], AuthorisationRow>(`SELECT * FROM holder_authorisations WHERE state != 'pending' AND spare_codes IS NOT NULL`),
      release: db.prepare(`DELETE FROM holder_authorisations WHERE id = ? AND state = 'pending'`),
      activate: db.prepare(`UPDATE holder_authorisations SET state = 'active', auth_code = @auth_code, created_at = @created_at,
        expires_at = @expires_at, code_expires_at = @code_expires_at, revoke_credential = @revoke_credential WHERE id = @id AND state = 'pending'`),
      byKey: db.prepare<[string, string], AuthorisationRow>('SELECT * FROM holder_authorisations WHERE sub = ? AND idempotency_key = ?'),
      byId: db.prepare<[string], AuthorisationRow>('SELECT * FROM holder_authorisations WHERE id = ?'),
      byCode: db.prepare<[string], AuthorisationRow>('SELECT * FROM holder_authorisations WHERE auth_code = ?'),
      ofSub: db.prepare<[string], AuthorisationRow>(`SELECT * FROM holder_authorisations WHERE sub = ? AND state != 'pending' ORDER BY created_at DESC LIMIT 500`),
      open: db.prepare<[], AuthorisationRow>(`SELECT * FROM holder_authorisations WHERE state IN ('active', 'used') AND upstream_revoked = 0`),
      transition: db.prepare<[string, number, string, string]>(
        'UPDATE holder_authorisations SET state = ?, closed_at = COALESCE(closed_at, ?) WHERE id = ? AND state IN (SELECT value FROM json_each(?))',
      ),
      upstreamRevoked: db.prepare('UPDATE holder_authorisations SET upstream_revoked = 1, revoke_credential = NULL WHERE id = ?'),
      addRedemption: db.prepare(`INSERT OR IGNORE INTO holder_redemptions (redemption_key, authorisation_id, interface, system_name, org_name, operator_name, at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      redemptions: db.prepare<[string], RedemptionRow>('SELECT interface, system_name, org_name, operator_name, at FROM holder_redemptions WHERE authorisation_id = ? ORDER BY at, rowid'),
      cursorGet: db.prepare<[string], { cursor: string }>('SELECT cursor FROM holder_feed_cursor WHERE feed = ?'),
      cursorSet: db.prepare(`INSERT INTO holder_feed_cursor (feed, cursor, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (feed) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`),
    };
  }

  /** Claims (sub, idempotency key) for one request; false when another request holds it already. */
  claim(c: NewClaim): boolean {
    return this.#st.claim.run(c).changes === 1;
  }

  /** Gives a claim back after the upstream call failed, so the same key can be tried again. */
  release(id: string): void {
    this.#st.release.run(id);
  }

  /** What license/holder minted, written down before the codes are used or revoked (crash safety). */
  recordMinted(id: string, authCode: string | null, spareCodes: string[]): void {
    this.#st.minted.run(authCode, spareCodes.length > 0 ? JSON.stringify(spareCodes) : null, id);
  }

  sparesRevoked(id: string): void {
    this.#st.spares.run(id);
  }

  /** Records whose spare codes may still be alive upstream (a crash before they were revoked). */
  withSpares(): AuthorisationRow[] {
    return this.#st.withSpares.all();
  }

  /** Claims a crashed process left behind. */
  pending(): AuthorisationRow[] {
    return this.#st.pending.all();
  }

  dropCredential(id: string): void {
    this.#st.dropCredential.run(id);
  }

  /** The code outlives a shorter choice the BFF can no longer enforce: the record says the truth. */
  setExpiry(id: string, expiresAt: number): void {
    this.#st.setExpiry.run(expiresAt, id);
  }

  activate(id: string, v: { authCode: string; createdAt: number; expiresAt: number; codeExpiresAt: number; revokeCredential: string | null }): void {
    this.#st.activate.run({ id, auth_code: v.authCode, created_at: v.createdAt, expires_at: v.expiresAt, code_expires_at: v.codeExpiresAt, revoke_credential: v.revokeCredential });
  }

  byKey(sub: string, key: string): AuthorisationRow | undefined {
    return this.#st.byKey.get(sub, key);
  }

  byId(id: string): AuthorisationRow | undefined {
    return this.#st.byId.get(id);
  }

  /** The holder's own record, or undefined for anyone else's. */
  owned(sub: string, id: string): AuthorisationRow | undefined {
    const row = this.#st.byId.get(id);
    return row && row.sub === sub && row.state !== 'pending' ? row : undefined;
  }

  byAuthCode(authCode: string): AuthorisationRow | undefined {
    return this.#st.byCode.get(authCode);
  }

  /** The record behind a code, found by the code's SHA-256 (hex): a code someone presents, not one we hold. */
  byAuthCodeHash(hash: string): AuthorisationRow | undefined {
    if (!this.#byCodeHash) {
      migrate(this.#db, CODE_HASH_MIGRATIONS);
      this.#byCodeHash = this.#db.prepare<[string], AuthorisationRow>('SELECT * FROM holder_authorisations WHERE sha256_hex(auth_code) = ?');
    }
    return this.#byCodeHash.get(hash);
  }

  ofSub(sub: string): AuthorisationRow[] {
    return this.#st.ofSub.all(sub);
  }

  /** Records whose upstream code may still be alive. */
  open(): AuthorisationRow[] {
    return this.#st.open.all();
  }

  /** Moves a record to `to` only from one of `from`; true when it moved. */
  transition(id: string, from: StoredState[], to: AuthorisationStatus, at: number): boolean {
    return this.#st.transition.run(to, at, id, JSON.stringify(from)).changes === 1;
  }

  markUpstreamRevoked(id: string): void {
    this.#st.upstreamRevoked.run(id);
  }

  /** True when the redemption was new. */
  addRedemption(authorisationId: string, r: RedemptionInput): boolean {
    const key = `${r.authCode}|${r.interface}|${r.system}|${r.timeText}`;
    return this.#st.addRedemption.run(key, authorisationId, r.interface, r.systemName, r.orgName, r.operatorName, r.at).changes === 1;
  }

  redemptions(authorisationId: string): Redemption[] {
    return this.#st.redemptions.all(authorisationId).map((r) => ({
      interface: r.interface,
      systemName: r.system_name,
      orgName: r.org_name,
      operatorName: r.operator_name,
      at: new Date(r.at).toISOString(),
    }));
  }

  cursor(feed: string): string | undefined {
    return this.#st.cursorGet.get(feed)?.cursor;
  }

  saveCursor(feed: string, cursor: string, at: number): void {
    this.#st.cursorSet.run(feed, cursor, at);
  }

  /** Runs `fn` in one write transaction. */
  tx<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }
}
