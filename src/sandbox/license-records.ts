// The sandbox license service's records, ids and access systems: the types and small helpers its
// store, issuer (6.4/6.5) and holder (6.6/6.7) parts share.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AuthCodeEvent, AuthCodeOrigin, LicenseRecord, LicenseStatus, ServiceItem } from '../contract/upstream.ts';
import type { SandboxDb } from './db.ts';
import { ApiError } from './wire.ts';

// The rules of license-app/v1 section 6 over SQLite, free of HTTP. Every public method either
// returns the response data or throws ApiError with the spec's code.

export type AccessSystemKind = 'holder' | 'counter' | 'issuer' | 'business';

export interface AccessSystem {
  app_key: string;
  app_secret: string;
  account: string;
  kind: AccessSystemKind;
  name: string;
  org_name: string;
  org_code: string;
  division: string;
  division_code: string;
}

/** What the identity provider says about a holder credential (structurally idp.ts's HolderIdentity). */
export interface CredentialIdentity {
  sub: string;
  name: string;
  identity_type: string;
  identity_num: string;
}
export type VerifyCredential = (token: string) => Promise<CredentialIdentity | null>;

export interface RecordSigner {
  algorithm: string;
  publicKey: string;
  sign(data: string | Uint8Array): string;
}

export interface LicenseServiceOptions {
  db: SandboxDb;
  signer: RecordSigner;
  verifyCredential: VerifyCredential;
  holderCodeTtlSeconds: number;
  sessionTtlSeconds: number;
  accessTokenTtlSeconds: number;
  clock: () => number;
  /** Extension `data_item_keys`: off = items name no fields and every code receives them all, as the standard service. */
  dataItemKeys?: boolean;
}

/** 24 h for codes returned to issuers and by license/auth (spec usage-code rules). */
export const LONG_CODE_TTL_MS = 24 * 3600 * 1000;
export const MAX_BATCH = 100;

/** 32 bytes (256 bits) of CSPRNG output, base64url: URL-safe and well above the spec's 128-bit floor. */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A usage code: exactly the spec's 128 bits, base64url (22 characters). A holder may have to
 * read it aloud or type it at a counter, and a shorter payload keeps the QR coarse enough for
 * old counter cameras; the short life, single binding and rate limits carry the rest.
 */
export function newUsageCode(): string {
  return randomBytes(16).toString('base64url');
}

export function newLicenseCode(): string {
  return randomUUID().replace(/-/g, '');
}

/** Keys sorted at every level so signer and verifier serialise identically. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj).filter((k) => obj[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** The certificate content that `s_sign_data` signs: canonicalJson of this object. */
export function signedContent(r: LicenseRecord): Record<string, unknown> {
  return {
    license_code: r.license_code, license_item_code: r.license_item_code, id_code: r.id_code,
    holder_name: r.holder_name, holder_identity_type: r.holder_identity_type, holder_identity_num: r.holder_identity_num,
    issue_org_code: r.issue_org_code, issue_date: r.issue_date, begin_date: r.begin_date, expiry_date: r.expiry_date,
    data_fields: r.data_fields,
  };
}

/** Legacy `10` (18-digit ID card) / `40` (other) accepted on input (spec, holder identity types). */
export function normaliseIdentityType(t: string): string {
  if (t === '10') return '111';
  if (t === '40') return '999';
  return t;
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export function wrongState(status: LicenseStatus): ApiError {
  if (status === 'ABOLISHED') return new ApiError('LICENSE_ABOLISHED');
  if (status === 'ISSUED') return new ApiError('INVALID_REQUEST', '证照已签发，不能修改或删除', { innerCode: 'LICENSE_ALREADY_ISSUED' });
  return new ApiError('LICENSE_NOT_ISSUED');
}

export type EventBody = AuthCodeEvent extends infer E ? (E extends AuthCodeEvent ? Omit<E, 'cursor'> : never) : never;

export interface AuthCodeRow {
  auth_code: string;
  license_code: string;
  origin: AuthCodeOrigin;
  minted_by: string;
  holder_identity_num: string | null;
  service_item_code: string | null;
  service_item_name: string | null;
  biz_num: string | null;
  created_at: number;
  expires_at: number;
  bound_to: string | null;
  revoked_at: number | null;
}

export interface ServiceItemRow {
  service_item_code: string;
  name: string;
  org_code: string;
  license_item_codes: string;
  data_item_keys: string | null;
}

export type StoredServiceItem = ServiceItem & { org_code: string };

export function parseServiceItem(r: ServiceItemRow): StoredServiceItem {
  const item: StoredServiceItem = {
    service_item_code: r.service_item_code, name: r.name, org_code: r.org_code, license_item_codes: JSON.parse(r.license_item_codes) as string[],
  };
  if (r.data_item_keys) item.data_item_keys = JSON.parse(r.data_item_keys) as Record<string, string[]>;
  return item;
}

export interface RedemptionContext {
  operatorName?: string;
  bizNum?: string;
}
