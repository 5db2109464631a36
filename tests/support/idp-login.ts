import { createHash, randomBytes } from 'node:crypto';

// Drives the identity provider's real browser flow over HTTP (authorization code + PKCE,
// the login form, the redirect back, the token endpoint), with a small cookie jar standing in
// for the browser. Tests get credentials this way; there is no bypass.

export interface IdpLoginOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  account: string;
  password: string;
  scope?: string;
}

export interface IdpTokens {
  access_token: string;
  id_token: string;
  refresh_token?: string;
  /** The browser's cookies at the provider after login (its session), for logoutAtIdp. */
  cookies: CookieJar;
}

export class IdpLoginError extends Error {
  constructor(message: string, readonly status: number, readonly page: string) {
    super(message);
  }
}

export class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k = '', v = ''] = a.split('=');
        const key = k.trim().toLowerCase();
        return (key === 'max-age' && Number(v) <= 0) || (key === 'expires' && Date.parse(v) <= Date.now());
      });
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint: string;
  revocation_endpoint: string;
  introspection_endpoint: string;
}

export async function discover(issuer: string): Promise<Discovery> {
  const res = await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`discovery failed: HTTP ${res.status}`);
  return (await res.json()) as Discovery;
}

const b64url = (buf: Buffer): string => buf.toString('base64url');

async function get(url: string, jar: CookieJar): Promise<Response> {
  const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
  jar.store(res);
  return res;
}

function location(res: Response, base: string): string {
  const loc = res.headers.get('location');
  if (!loc) throw new Error(`expected a redirect from ${base}, got HTTP ${res.status}`);
  return new URL(loc, base).href;
}

function formAction(html: string, base: string): string {
  const m = /<form[^>]*\saction="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error('no form on the login page');
  return new URL(m[1].replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&'), base).href;
}

/** The text of the page's error box, if any (the login page shows errors in role="alert"). */
export function pageError(html: string): string | undefined {
  return /role="alert"[^>]*>([^<]*)</.exec(html)?.[1];
}

/** Authorization request → login page (returns its URL and HTML) without submitting it. */
export async function openLoginPage(opts: Omit<IdpLoginOptions, 'account' | 'password'>, jar = new CookieJar()): Promise<{
  url: string; html: string; jar: CookieJar; verifier: string; state: string;
}> {
  const meta = await discover(opts.issuer);
  const verifier = b64url(randomBytes(32));
  const state = b64url(randomBytes(16));
  const nonce = b64url(randomBytes(16));
  const auth = new URL(meta.authorization_endpoint);
  auth.search = new URLSearchParams({
    client_id: opts.clientId,
    response_type: 'code',
    scope: opts.scope ?? 'openid profile phone identity',
    redirect_uri: opts.redirectUri,
    state,
    nonce,
    code_challenge: b64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
  }).toString();
  const first = await get(auth.href, jar);
  const url = location(first, auth.href);
  const page = await get(url, jar);
  const html = await page.text();
  if (page.status !== 200) throw new IdpLoginError(`login page answered HTTP ${page.status}`, page.status, html);
  return { url, html, jar, verifier, state };
}

export async function loginAtIdp(opts: IdpLoginOptions): Promise<IdpTokens> {
  const meta = await discover(opts.issuer);
  const { url, html, jar, verifier, state } = await openLoginPage(opts);

  const action = formAction(html, url);
  const posted = await fetch(action, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ account: opts.account, password: opts.password }),
  });
  jar.store(posted);
  if (posted.status !== 303) {
    const text = await posted.text();
    throw new IdpLoginError(`login refused: ${pageError(text) ?? `HTTP ${posted.status}`}`, posted.status, text);
  }

  // Follow the provider's redirects (resume, possibly consent) until it returns to the client.
  let next = location(posted, action);
  for (let hops = 0; !next.startsWith(opts.redirectUri); hops++) {
    if (hops > 5) throw new Error('too many redirects at the identity provider');
    const res = await get(next, jar);
    if (res.status < 300 || res.status >= 400) {
      throw new IdpLoginError(`identity provider stopped at HTTP ${res.status}`, res.status, await res.text());
    }
    next = location(res, next);
  }
  const back = new URL(next);
  if (back.searchParams.get('state') !== state) throw new Error('state mismatch on the redirect back');
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`no code on the redirect back: ${back.searchParams.get('error') ?? 'unknown error'}`);

  const tokenRes = await fetch(meta.token_endpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(opts.clientId)}:${encodeURIComponent(opts.clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: opts.redirectUri, code_verifier: verifier }),
  });
  const tokens = (await tokenRes.json()) as { access_token?: string; id_token?: string; refresh_token?: string; error?: string };
  if (!tokenRes.ok || !tokens.access_token || !tokens.id_token) {
    throw new Error(`token endpoint refused: ${tokens.error ?? tokenRes.status}`);
  }
  return {
    access_token: tokens.access_token,
    id_token: tokens.id_token,
    ...(tokens.refresh_token ? { refresh_token: tokens.refresh_token } : {}),
    cookies: jar,
  };
}

/**
 * RP-initiated logout as the browser does it: end_session with the ID token, then the
 * confirmation form ("确认退出"). Resolves with where the provider sent the browser.
 */
export async function logoutAtIdp(opts: { issuer: string; idToken: string; cookies: CookieJar; postLogoutRedirectUri?: string }): Promise<string> {
  const meta = await discover(opts.issuer);
  const url = new URL(meta.end_session_endpoint);
  url.search = new URLSearchParams({
    id_token_hint: opts.idToken,
    ...(opts.postLogoutRedirectUri ? { post_logout_redirect_uri: opts.postLogoutRedirectUri } : {}),
  }).toString();
  const page = await get(url.href, opts.cookies);
  const html = await page.text();
  if (page.status !== 200) throw new Error(`end_session answered HTTP ${page.status}`);
  const action = formAction(html, url.href);
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  if (!xsrf) throw new Error('no xsrf field on the logout page');
  const confirmed = await fetch(action, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: opts.cookies.header(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ xsrf, logout: 'yes' }),
  });
  opts.cookies.store(confirmed);
  if (confirmed.status !== 303) throw new Error(`logout confirmation answered HTTP ${confirmed.status}`);
  return location(confirmed, action);
}

/** RFC 7009 revocation of one token by the client it was issued to. */
export async function revokeAtIdp(opts: { issuer: string; clientId: string; clientSecret: string; token: string }): Promise<void> {
  const meta = await discover(opts.issuer);
  const res = await fetch(meta.revocation_endpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(opts.clientId)}:${encodeURIComponent(opts.clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token: opts.token, token_type_hint: 'access_token' }),
  });
  if (!res.ok) throw new Error(`revocation answered HTTP ${res.status}`);
}
