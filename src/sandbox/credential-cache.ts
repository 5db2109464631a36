// A short memory of credentials the embedded provider has already vouched for, so the sharing
// service does not introspect the same holder token over HTTP on every call (issue 11: each wallet
// read cost a round trip to the provider, and under load those timed out into 503s).
//
// Safe only because the provider runs in this process: it announces every logout and revocation
// as an event, and each one empties the memory before the provider answers. A verifier for an
// issuer without such a provider here (a remote one) is never cached. Entries live at most `ttlMs`
// and never past the token's own expiry; they are keyed by the token's SHA-256, never the token.
import { createHash } from 'node:crypto';

/** What a provider announces when a credential stops being good (oidc-provider's event names). */
export const CREDENTIAL_ENDING_EVENTS = [
  'end_session.success',
  'grant.revoked',
  'access_token.destroyed',
  'revocation.success',
] as const;

export interface ProviderEvents {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off?(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface CredentialCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  clock?: () => number;
}

export const DEFAULT_TTL_MS = 5_000;
const DEFAULT_MAX_ENTRIES = 10_000;

const keyOf = (token: string): string => createHash('sha256').update(token).digest('base64url');

export class CredentialCache<T> {
  readonly #entries = new Map<string, { value: T; until: number }>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #clock: () => number;
  /** Bumped by clear(): a verification that started before a logout must not be stored after it. */
  #generation = 0;

  constructor(opts: CredentialCacheOptions = {}) {
    this.#ttlMs = opts.ttlMs ?? DEFAULT_TTL_MS;
    this.#max = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.#clock = opts.clock ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(token: string): T | undefined {
    const key = keyOf(token);
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.#clock()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /**
   * Wraps a verifier: a cached positive answer is returned as it is; a refusal or an error is
   * never remembered. `verify` reports the token's expiry (ms since the epoch) through `expiresAt`.
   */
  wrap<A extends unknown[]>(verify: (token: string, expiresAt: (ms: number) => void, ...rest: A) => Promise<T | null>): (token: string, ...rest: A) => Promise<T | null> {
    return async (token, ...rest) => {
      const hit = this.get(token);
      if (hit !== undefined) return hit;
      const generation = this.#generation;
      let expiry = 0;
      const value = await verify(token, (ms) => void (expiry = ms), ...rest);
      if (value !== null && generation === this.#generation) this.#set(token, value, expiry);
      return value;
    };
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }

  #set(token: string, value: T, expiresAt: number): void {
    const until = Math.min(this.#clock() + this.#ttlMs, expiresAt);
    if (until <= this.#clock()) return;
    if (this.#entries.size >= this.#max) {
      // Oldest first: Map keeps insertion order.
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(keyOf(token), { value, until });
  }
}

// One cache per issuer whose provider runs in this process, fed by that provider's events.
const local = new Map<string, CredentialCache<unknown>>();

/**
 * Called by the identity provider plugin: credentials it issues may now be remembered briefly,
 * and every logout or revocation it performs forgets them all. Returns the detach call.
 */
export function watchProvider(issuer: string, provider: ProviderEvents, opts: CredentialCacheOptions = {}): () => void {
  const cache = new CredentialCache<unknown>(opts);
  const forget = (): void => cache.clear();
  for (const event of CREDENTIAL_ENDING_EVENTS) provider.on(event, forget);
  local.set(issuer, cache);
  return () => {
    for (const event of CREDENTIAL_ENDING_EVENTS) provider.off?.(event, forget);
    if (local.get(issuer) === cache) local.delete(issuer);
  };
}

/**
 * The verifier for `issuer`, remembering answers while that issuer's provider is watched in this
 * process (looked up per call: the provider may be mounted after the verifier is made).
 */
export function cachedVerifier<T>(issuer: string, verify: (token: string, expiresAt: (ms: number) => void) => Promise<T | null>): (token: string) => Promise<T | null> {
  let wrapped: { cache: CredentialCache<unknown>; fn: (token: string) => Promise<T | null> } | undefined;
  return (token) => {
    const cache = local.get(issuer);
    if (!cache) return verify(token, () => undefined);
    if (wrapped?.cache !== cache) wrapped = { cache, fn: (cache as CredentialCache<T>).wrap(verify) };
    return wrapped.fn(token);
  };
}
