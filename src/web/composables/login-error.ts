// /login?error=<code>: why a sign-in failed, as the BFF reports it. Each known code has its own
// words (auth.errors.<kind>); older and provider spellings map onto them; anything else is
// "not completed", never the raw code.
export type LoginErrorKind = 'cancelled' | 'expired' | 'claims' | 'provider' | 'state' | 'generic';

const KINDS: Record<string, LoginErrorKind> = {
  cancelled: 'cancelled',
  access_denied: 'cancelled', // OAuth 2.0's word for the holder saying no
  expired: 'expired',
  claims: 'claims',
  provider: 'provider',
  temporarily_unavailable: 'provider',
  server_error: 'provider',
  state: 'state',
  state_mismatch: 'state',
};

export function loginErrorKind(code: unknown): LoginErrorKind | null {
  const value = Array.isArray(code) ? code[0] : code;
  if (typeof value !== 'string' || value === '') return null;
  return Object.hasOwn(KINDS, value) ? KINDS[value]! : 'generic';
}
