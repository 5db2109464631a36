// The counter (窗口) side of the H5 <-> BFF API: redeeming a holder's usage code (DB11/T 2290
// 6.6 get_license / archive) and verification by function (6.7 license/auth). Plain types and
// pure checks shared by the BFF's route schemas and the web app; no framework imports.
// Errors answer with ApiErrorBody from ./bff.ts.
import { readTypedCode } from './counter-code.ts';
import type { CertificateState } from './certificate-validity.ts';

/** Where the QR points: `{PUBLIC_ORIGIN}/c/{authCode}`. */
export const CODE_LANDING_PATH = '/c/';

/** A holder's usage code: 128+ bits in a URL-safe alphabet (spec 6.6, usage code rules). */
export const AUTH_CODE_PATTERN = '^[A-Za-z0-9_-]{16,128}$';
/**
 * What the redeem and archive routes accept: a usage code, or a by-function handle (`bf.` plus
 * a random id), or the 17-digit counter code; typed ones with spaces between groups. The dot is
 * outside the usage-code alphabet, so a handle never collides with a code.
 */
export const REDEEM_CODE_PATTERN = '^\\s*((bf\\.)?[A-Za-z0-9_-]{16,128}|[A-Za-z0-9_ -]{16,160})\\s*$';
export const BY_FUNCTION_HANDLE_PREFIX = 'bf.';
/** 办件编号: letters, digits, CJK and a few separators, as case systems print them. */
export const BIZ_NUM_PATTERN = '^[0-9A-Za-z\\u4e00-\\u9fa5_./()（）-]{1,64}$';

/** The case at the counter: entered once, sent with every call (spec 6.7: every call names the case). */
export interface CounterCase {
  bizNum: string;
  serviceItemCode: string;
}

/** One 事项 of the staff member's organisation. */
export interface CounterServiceItem {
  serviceItemCode: string;
  name: string;
  /** Catalogue codes of the certificates this service item accepts. */
  licenseItemCodes: string[];
}

/** GET /api/counter/service-items */
export interface CounterServiceItemsResponse {
  orgName: string;
  serviceItems: CounterServiceItem[];
  /** The result on screen clears itself after this many seconds (COUNTER_RESULT_CLEAR_SECONDS). */
  resultClearSeconds: number;
  /** Whether this staff role sees sensitive face fields unmasked (counter_staff: no). */
  sensitiveVisible: boolean;
}

/** POST /api/counter/redeem */
export interface CounterRedeemRequest extends CounterCase {
  /** The usage code from the QR (or typed), or a handle from a by-function search. */
  authCode: string;
}

/** POST /api/counter/archive: same body; answers application/pdf as an attachment. */
export type CounterArchiveRequest = CounterRedeemRequest;

/** The counter's validity states: the one rule in certificate-validity.ts. */
export type CounterLicenseState = CertificateState;

export interface CounterField {
  key: string;
  name: string;
  value: string;
  sensitive: boolean;
  /** true when `value` is masked for this staff role. */
  masked: boolean;
}

export type CounterWarningCode = 'expired' | 'expiring' | 'not_yet_valid' | 'not_accepted_by_item' | 'replaces_other';

export interface CounterWarning {
  code: CounterWarningCode;
  /** A sentence to show as is. */
  message: string;
}

/** 200 answer of POST /api/counter/redeem: what the staff member sees. */
export interface CounterRedemption {
  licenseCode: string;
  licenseItemCode: string;
  name: string;
  /**
   * Certificate number (masked when the catalogue marks it sensitive). This and the holder fields
   * are null when the case's service item does not receive them (PIPL art. 6: what the holder consented to).
   */
  idCode: string | null;
  holderName: string | null;
  /** 1101**********1233 */
  holderIdentityNum: string | null;
  holderIdentityType: string | null;
  /** Null, like the issue date, when the case's service item does not receive FZJGMC (FZRQ). */
  issueOrgName: string | null;
  issueDate: string | null;
  beginDate: string | null;
  /** null: valid indefinitely (长期有效). */
  expiryDate: string | null;
  state: CounterLicenseState;
  /** Whole days until expiry when valid or expiring. */
  daysLeft: number | null;
  warnings: CounterWarning[];
  /** Face fields in catalogue order, with their catalogue names. */
  fields: CounterField[];
  serviceItemName: string;
  bizNum: string;
  redeemedAt: string;
  /** Whether this came from a by-function search (6.7) rather than a code the holder showed. */
  byFunction: boolean;
}

/** POST /api/counter/by-function */
export interface CounterByFunctionRequest extends CounterCase {
  /** 18-character resident ID number (GB 11643). */
  identityNumber: string;
  /** 1-based. */
  page: number;
}

export interface CounterByFunctionItem {
  /**
   * Opaque, for POST /api/counter/redeem and /archive. The upstream auth codes stay in the BFF:
   * they are 24-hour capabilities and the page never needs them.
   */
  handle: string;
  licenseCode: string;
  name: string;
  holderName: string;
  issueOrgName: string;
  expiryDate: string | null;
  state: CounterLicenseState;
}

export interface CounterByFunctionResponse {
  items: CounterByFunctionItem[];
  totalCount: number;
  page: number;
  pageSize: number;
}

// The resident-ID rule lives in resident-id.ts; the counter page reads it from here too.
export { isValidResidentId } from './resident-id.ts';

/**
 * The usage code in what a scanner read: the QR's URL (`https://host/c/CODE`, any origin, so a
 * code made by a test or another deployment still reads), or what was typed by hand: the full
 * code as the holder's screen groups it, or the 17-digit counter code with spaces or dashes.
 */
export function extractAuthCode(scanned: string): string | null {
  const text = scanned.trim();
  const bare = new RegExp(AUTH_CODE_PATTERN);
  const typed = readTypedCode(text);
  if (typed.kind === 'counter' || typed.kind === 'usage') return typed.code;
  if (typed.kind === 'bad-check-digit') return null;
  let path: string;
  try {
    path = new URL(text).pathname;
  } catch {
    return null;
  }
  const m = /\/c\/([^/?#]+)\/?$/.exec(path);
  const code = m?.[1] ? decodeURIComponent(m[1]) : '';
  return bare.test(code) ? code : null;
}
