// The counter (窗口) side of the H5 <-> BFF API: redeeming a holder's usage code (DB11/T 2290
// 6.6 get_license / archive) and verification by function (6.7 license/auth). The patterns and
// pure checks both the BFF's schemas (bff-counter.ts) and the counter page use; no framework
// imports, so the page's bundle stays free of TypeBox. Errors answer with ApiErrorBody (./bff.ts).
import { readTypedCode } from './counter-code.ts';

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

// The wire shapes are TypeBox schemas in bff-counter.ts; the page takes their types from here.
export type {
  CounterArchiveRequest,
  CounterByFunctionItem,
  CounterByFunctionRequest,
  CounterByFunctionResponse,
  CounterCase,
  CounterField,
  CounterLicenseState,
  CounterRedeemRequest,
  CounterRedemption,
  CounterServiceItem,
  CounterServiceItemsResponse,
  CounterWarning,
  CounterWarningCode,
} from './bff-counter.ts';

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
