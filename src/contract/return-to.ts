// Where to send the browser after signing in: a path on our own origin, never anywhere else.
// One rule for both sides: the BFF checks `return_to` before the round trip through the identity
// platform, the page checks it before navigating. Pure, no framework: src/contract is the room
// both may import.

const MAX_LENGTH = 2048;
const PROBE_ORIGIN = 'http://return-to.invalid';

/** Pages that would loop back into signing in. */
function isLoginLoop(pathname: string): boolean {
  return pathname === '/login' || pathname === '/auth' || pathname.startsWith('/auth/');
}

/**
 * The normalised same-origin path for `value`, else `fallback`. The check runs on the form a
 * browser will actually follow: the URL parser first resolves dot segments (also `%2e`), so
 * `/.//evil.com`, `/a/..//evil.com` and `/%2e%2e//evil.com` are seen as `//evil.com` and refused.
 * Also refused: absolute URLs, backslashes (browsers read `\` as `/`), control characters
 * (browsers drop tabs and newlines, so `/\t/x` becomes `//x`), and /login and /auth/* (a loop).
 * A route query that arrived twice (`?return_to=a&return_to=b`) counts by its first value.
 */
export function safeReturnTo(value: unknown, fallback = '/'): string {
  const raw: unknown = Array.isArray(value) ? value[0] : value;
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_LENGTH) return fallback;
  if (!raw.startsWith('/')) return fallback;
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(raw)) return fallback;
  let url: URL;
  try {
    url = new URL(raw, PROBE_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== PROBE_ORIGIN) return fallback;
  const normalised = `${url.pathname}${url.search}${url.hash}`;
  // After normalisation the path must still be a single-slash path: '//x' is another host.
  if (!normalised.startsWith('/') || normalised.startsWith('//')) return fallback;
  // A fixpoint: what we hand out must parse to itself, so no second reading can differ.
  const again = new URL(normalised, PROBE_ORIGIN);
  if (again.origin !== PROBE_ORIGIN || `${again.pathname}${again.search}${again.hash}` !== normalised) return fallback;
  if (isLoginLoop(url.pathname)) return fallback;
  return normalised;
}
