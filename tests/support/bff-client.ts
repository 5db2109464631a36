import { DEMO_PASSWORD } from '../../src/sandbox/demo-data.ts';
import { CSRF_HEADER, type Authorisation, type LicenseListResponse, type SessionInfo } from '../../src/contract/bff.ts';
import { CookieJar, pageError } from './idp-login.ts';
import { LICENSE_ITEM, SERVICE_ITEM } from '../../src/sandbox/catalogue-data.ts';

// A browser stand-in for BFF tests: one cookie jar for the BFF and the identity provider (as a
// browser shares cookies across ports of one host), manual redirects, and the CSRF header on
// writes. login() goes through the provider's real login form.

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function formAction(html: string, base: string): string {
  const m = /<form[^>]*\saction="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error('no form on the login page');
  return new URL(m[1].replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&'), base).href;
}

export class BffClient {
  readonly jar = new CookieJar();
  /** From GET /api/session; sent as x-csrf-token on every write. */
  csrfToken: string | undefined;
  /** Everything the browser was handed: bodies read through api(), Set-Cookie and Location headers. */
  readonly seen: string[] = [];

  constructor(readonly origin: string) {}

  /** One request, no redirects followed, cookies kept. `path` may be absolute (the provider). */
  async raw(method: string, path: string, init: { body?: unknown; headers?: Record<string, string>; form?: Record<string, string> } = {}): Promise<Response> {
    const url = new URL(path, this.origin).href;
    const headers: Record<string, string> = { accept: 'application/json', cookie: this.jar.header(), ...init.headers };
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.body);
    }
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    this.jar.store(res);
    this.seen.push(...res.headers.getSetCookie(), res.headers.get('location') ?? '');
    return res;
  }

  /** A BFF API call; writes carry the CSRF token (pass `csrf: false` to leave it out). */
  async api<T = unknown>(method: string, path: string, opts: { body?: unknown; csrf?: boolean; headers?: Record<string, string> } = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (UNSAFE.has(method) && opts.csrf !== false && this.csrfToken) headers[CSRF_HEADER] = this.csrfToken;
    const res = await this.raw(method, path, { body: opts.body, headers });
    const text = await res.text();
    this.seen.push(text);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: body as T, text };
  }

  /**
   * Signs in through /auth/login and the provider's login form; resolves with where the BFF sent
   * the browser at the end (the return_to path), after fetching the session (and its CSRF token).
   */
  async login(account: string, opts: { password?: string; returnTo?: string } = {}): Promise<{ landedAt: string; session: SessionInfo }> {
    const start = `/auth/login${opts.returnTo !== undefined ? `?return_to=${encodeURIComponent(opts.returnTo)}` : ''}`;
    const callback = await this.toCallback(start, account, opts.password ?? DEMO_PASSWORD);
    const back = await this.raw('GET', callback, { headers: { accept: 'text/html' } });
    if (back.status !== 303) throw new Error(`callback answered HTTP ${back.status}: ${await back.text()}`);
    const landedAt = back.headers.get('location') ?? '';
    const session = await this.api<SessionInfo>('GET', '/api/session');
    if (session.status !== 200) throw new Error(`no session after login: HTTP ${session.status}`);
    this.csrfToken = session.body.csrfToken;
    return { landedAt, session: session.body };
  }

  /** Runs the login up to the provider's redirect back, and returns that callback URL without visiting it. */
  async toCallback(start: string, account: string, password: string = DEMO_PASSWORD): Promise<string> {
    const callbackPrefix = `${this.origin}/auth/callback`;
    let res = await this.raw('GET', start, { headers: { accept: 'text/html' } });
    let url = new URL(start, this.origin).href;
    for (let hops = 0; ; hops++) {
      if (hops > 10) throw new Error('too many redirects');
      if (res.status >= 300 && res.status < 400) {
        url = new URL(res.headers.get('location') ?? '', url).href;
        if (url.startsWith(callbackPrefix)) return url;
        res = await this.raw('GET', url, { headers: { accept: 'text/html' } });
        continue;
      }
      const html = await res.text();
      if (res.status !== 200 || !/name="password"/.test(html)) throw new Error(`unexpected page at ${url}: HTTP ${res.status} ${pageError(html) ?? ''}`);
      const action = formAction(html, url);
      res = await this.raw('POST', action, { form: { account, password }, headers: { accept: 'text/html' } });
      url = action;
      if (res.status !== 303) throw new Error(`login refused: ${pageError(await res.text()) ?? res.status}`);
    }
  }

  async logout(): Promise<Answer<{ redirectTo: string }>> {
    const res = await this.api<{ redirectTo: string }>('POST', '/auth/logout');
    this.csrfToken = undefined;
    return res;
  }
}

/** zhangsan signed in, with his 居民户口簿 authorised for 户籍业务办理 for `validitySeconds`. */
export async function zhangsanAuthorisesHouseholdRegister(origin: string, validitySeconds: number, idempotencyKey: string): Promise<{ client: BffClient; auth: Authorisation }> {
  const client = new BffClient(origin);
  await client.login('zhangsan');
  const wallet = (await client.api<LicenseListResponse>('GET', '/api/licenses')).body;
  const licenseCode = wallet.licenses.find((c) => c.licenseItemCode === LICENSE_ITEM.householdRegister)!.licenseCode;
  const auth = (await client.api<Authorisation>('POST', '/api/authorisations', {
    body: { licenseCode, serviceItemCode: SERVICE_ITEM.householdAffairs, validitySeconds, idempotencyKey, sensitiveConsent: true },
  })).body;
  return { client, auth };
}
