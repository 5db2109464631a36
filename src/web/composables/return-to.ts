/**
 * The in-app path to come back to after signing in. Only same-origin paths are kept
 * ("/x", not "//evil.example" or "https://..."), and never the login page itself.
 */
export function safeReturnTo(value: unknown, fallback = '/'): string {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw !== 'string' || raw.length > 2048) return fallback;
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\')) return fallback;
  // Control characters could smuggle a different URL past the prefix checks.
  for (let i = 0; i < raw.length; i++) if (raw.charCodeAt(i) < 0x20 || raw.charCodeAt(i) === 0x7f) return fallback;
  if (raw === '/login' || raw.startsWith('/login?') || raw.startsWith('/login#') || raw.startsWith('/auth/')) return fallback;
  return raw;
}

/** Where the BFF's login starts, coming back to `returnTo`. */
export function loginUrl(returnTo: string): string {
  return `/auth/login?return_to=${encodeURIComponent(safeReturnTo(returnTo))}`;
}

/** The home page of a role: holders see their wallet, counter staff the counter. */
export function homeOf(role: string | null | undefined): string {
  return role === 'counter_staff' ? '/counter' : '/';
}
