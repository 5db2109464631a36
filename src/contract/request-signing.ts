// DB11/T 2290 5.4 [our decision]: the string an access system signs with HMAC (SHA-256 or SM3),
// shared by the BFF's upstream client and the sandbox. Pure: hashing and HMAC are injected by the
// caller so this file needs no Node import.

export interface CanonicalRequestInput {
  /** HTTP method, any case; upper-cased here. */
  method: string;
  /** The URL path exactly as sent, without the query (e.g. `/sandbox/license-app/v1/license/token`). */
  path: string;
  /** Query parameters as sent; array values are repeated keys. */
  query: Record<string, string | string[] | undefined>;
  /** `X-Timestamp`, milliseconds since the epoch, as a decimal string. */
  timestamp: string;
  /** `X-Nonce`. */
  nonce: string;
  /** Lower-case hex hash (SHA-256 or SM3) of the raw body bytes; hash of the empty string when there is no body. */
  bodyHashHex: string;
}

/**
 * `METHOD\npath\nsorted query\ntimestamp\nnonce\nhex hash(body)`. The query is `k=v` pairs, each
 * part percent-encoded with encodeURIComponent, sorted by key then value, joined with `&`.
 */
export function canonicalRequestString(input: CanonicalRequestInput): string {
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(input.query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      pairs.push([encodeURIComponent(key), encodeURIComponent(v)]);
    }
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const query = pairs.map(([k, v]) => `${k}=${v}`).join('&');
  return [input.method.toUpperCase(), input.path, query, input.timestamp, input.nonce, input.bodyHashHex].join('\n');
}

/** Window in which a timestamp is accepted and a nonce must not repeat. */
export const SIGNATURE_MAX_SKEW_MS = 5 * 60 * 1000;
export const NONCE_TTL_MS = 10 * 60 * 1000;
