// The BFF's records of the holder's authorisations (授权用证), their redemptions as the upstream
// reported them, the cursor of the upstream events feed and the expiry schedule: one interface,
// two engines (issue 13). SQLite (authorisations-sqlite.ts) is the embedded default; PostgreSQL
// (pg-authorisations.ts) serves many instances. tests/stores/ runs one table of behaviour on both.
import type { AuthorisationStatus, Redemption } from '../../contract/bff.ts';
import type { DataCipher } from './crypto.ts';
import type { Migration } from './migrations.ts';

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
  /** Expiry work on this record is leased to one instance until then (epoch ms), or not before then after a failed try. */
  lease_until: number | null;
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

/** The redemption's identity: the same redemption seen in the feed and in uses is one row. */
export const redemptionKey = (r: RedemptionInput): string => `${r.authCode}|${r.interface}|${r.system}|${r.timeText}`;

/**
 * The expiry runner's search for a crash's leftovers (claimLeftovers, every second on every
 * instance) without reading the whole table: a partial index over the few rows it can find
 * (bench:stores measured 27 ms per pass at 50,000 records without it, 0.5 ms with it). The same id
 * on both engines.
 */
export const LEFTOVERS_INDEX: Migration = {
  id: 'authorisations-004',
  sql: `CREATE INDEX holder_authorisations_leftovers ON holder_authorisations (created_at) WHERE state = 'pending' OR spare_codes IS NOT NULL`,
};

/** A redemption as both engines keep it (holder_redemptions). */
export interface RedemptionRow {
  interface: Redemption['interface'];
  system_name: string;
  org_name: string;
  operator_name: string | null;
  at: number;
}

/** nextDue's answer: a record's due time counts only when it is by `until` (its lease may run past it). */
export const dueBy = (at: number | null, until: number): number | null => (at !== null && at <= until ? at : null);

export const toRedemption = (r: RedemptionRow): Redemption => ({
  interface: r.interface,
  systemName: r.system_name,
  orgName: r.org_name,
  operatorName: r.operator_name,
  at: new Date(r.at).toISOString(),
});

/** The column's name, bound into its sealed values: a value moved to another column does not open. */
const CREDENTIAL = 'revoke_credential';

/**
 * The holder's credential is sealed at rest with the BFF's data key (BFF_DATA_KEY, AES-256-GCM) in
 * both engines: a copied database or backup holds nothing that could be replayed upstream. Rows
 * written before sealing existed still open (their value comes back as it is) until
 * `sealLeftoverCredentials` seals them at start-up.
 */
export class CredentialSeal {
  constructor(private readonly cipher: DataCipher) {}

  seal(credential: string | null): string | null {
    return credential === null ? null : this.cipher.seal(credential, CREDENTIAL);
  }

  /** The one mapping of a stored row to what the services see, on both engines. */
  row<T extends AuthorisationRow | undefined>(stored: T): T {
    if (!stored?.revoke_credential) return stored;
    return { ...stored, revoke_credential: this.cipher.open(stored.revoke_credential, CREDENTIAL) };
  }

  rows(stored: AuthorisationRow[]): AuthorisationRow[] {
    return stored.map((r) => this.row(r));
  }
}

export interface ActivateInput {
  authCode: string;
  createdAt: number;
  expiresAt: number;
  codeExpiresAt: number;
  revokeCredential: string | null;
}

/** Every method is one statement, atomic on its own: instances share the store without a transaction across calls. */
export interface AuthorisationStore {
  /** Claims (sub, idempotency key) for one request; false when another request holds it already. */
  claim(c: NewClaim): Promise<boolean>;
  /** Gives a claim back after the upstream call failed, so the same key can be tried again. */
  release(id: string): Promise<void>;
  /** What license/holder minted, written down before the codes are used or revoked (crash safety). */
  recordMinted(id: string, authCode: string | null, spareCodes: string[]): Promise<void>;
  sparesRevoked(id: string): Promise<void>;
  dropCredential(id: string): Promise<void>;
  /** The code outlives a shorter choice the BFF can no longer enforce: the record says the truth. */
  setExpiry(id: string, expiresAt: number): Promise<void>;
  activate(id: string, v: ActivateInput): Promise<void>;
  byKey(sub: string, key: string): Promise<AuthorisationRow | undefined>;
  byId(id: string): Promise<AuthorisationRow | undefined>;
  /** The holder's own record, or undefined for anyone else's. */
  owned(sub: string, id: string): Promise<AuthorisationRow | undefined>;
  byAuthCode(authCode: string): Promise<AuthorisationRow | undefined>;
  /** The record behind a code, found by the code's SHA-256 (hex): a code someone presents, not one we hold. */
  byAuthCodeHash(hash: string): Promise<AuthorisationRow | undefined>;
  /** The holder's records, newest first (at most 500). */
  ofSub(sub: string): Promise<AuthorisationRow[]>;
  /** Moves a record to `to` only from one of `from`; true when it moved. */
  transition(id: string, from: StoredState[], to: AuthorisationStatus, at: number): Promise<boolean>;
  markUpstreamRevoked(id: string): Promise<void>;
  /** True when the redemption was new. */
  addRedemption(authorisationId: string, r: RedemptionInput): Promise<boolean>;
  redemptions(authorisationId: string): Promise<Redemption[]>;
  cursor(feed: string): Promise<string | undefined>;
  saveCursor(feed: string, cursor: string, at: number): Promise<void>;

  // ---- the expiry schedule: each due record is leased to one caller at a time ----

  /**
   * Leases up to `limit` records whose expiry work is due at `now` (their chosen expiry passed and
   * the upstream code may still be alive, or the record still says active) until `now + leaseMs`.
   * Two callers never get the same record while its lease runs.
   */
  claimDue(now: number, leaseMs: number, limit: number): Promise<AuthorisationRow[]>;
  /**
   * Leases records a crash may have left owing work, created at or before `olderThan`: a claim
   * never finished (pending) or spare codes not yet revoked.
   */
  claimLeftovers(olderThan: number, now: number, leaseMs: number, limit: number): Promise<AuthorisationRow[]>;
  /** Leases one record's expiry work (a read that finds it due); false when someone else holds it. */
  lease(id: string, now: number, leaseMs: number): Promise<boolean>;
  /** Ends a lease; `notBefore` defers the next try (a failed upstream revoke). */
  endLease(id: string, notBefore: number | null): Promise<void>;
  /**
   * When the next record falls due (or its lease or deferral ends), if that is by `until`; null when
   * none will be by then. May be <= now. Bounded so that the index on expiry does the search: the
   * runner looks at most one poll ahead, and a city's thousands of live codes are not all read.
   */
  nextDue(now: number, until: number): Promise<number | null>;
  /** Seals credentials written in plain text before sealing existed; returns how many (start-up). */
  sealLeftoverCredentials(): Promise<number>;
  /** One round trip to the engine (readiness). */
  ping(): Promise<void>;
}
