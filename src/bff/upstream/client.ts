// The license-app/v1 client (spec/sharing-service-interfaces.md): one instance per access
// system. It owns the access system's session token, signs, times out, retries safe reads and
// turns the envelope into values or typed errors, so routes only see data or an error.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import {
  ArchiveResultSchema,
  AuthCodeEventsResultSchema,
  AuthCodeUseSchema,
  CatalogueEntrySchema,
  CurrentUserSchema,
  LicenseByTokenResultSchema,
  LicenseTokenResultSchema,
  ServiceItemSchema,
  type ArchiveResult,
  type AuthCodeEventsResult,
  type AuthCodeUse,
  type ByFunctionRequest,
  type CatalogueEntry,
  type CurrentUser,
  type Envelope,
  type HolderRequest,
  type LicenseByTokenResult,
  type LicenseRecord,
  type LicenseTokenResult,
  type ServiceItem,
} from '../../contract/upstream.ts';
import type { Config } from '../config.ts';
import { UpstreamAbsentError, UpstreamError, UpstreamUnavailableError, malformedAnswer } from './errors.ts';
import { readAs, readAuthCodes, readKnownEvents, readListAs, readRecord, readRecords } from './read.ts';
import { signingHeaders } from './signing.ts';
import {
  TOKEN_REFUSALS, firstError, isEnvelope, sleep,
  type CallOptions, type CatalogueList, type HolderResult, type ByFunctionResult, type RequestSpec, type UpstreamClientOptions, type UpstreamQuery,
} from './client-types.ts';

export type { CallOptions, UpstreamClientOptions, RequestSpec, HolderResult, ByFunctionResult, CatalogueList, UpstreamQuery, SigningMode } from './client-types.ts';

interface SessionToken {
  value: string;
  /** Epoch ms after which we log in again before calling. */
  renewAt: number;
}

const DEFAULT_SESSION_SECONDS = 24 * 3600;

export class UpstreamClient {
  readonly name: string;
  readonly #opts: UpstreamClientOptions;
  readonly #root: URL;
  readonly #fetch: typeof fetch;
  readonly #retryDelays: readonly number[];
  readonly #closing = new AbortController();
  #token: SessionToken | null = null;
  #login: Promise<string> | null = null;
  /** The last call failed in transport: the next answer is a reconnection. */
  #failing = false;

  constructor(opts: UpstreamClientOptions) {
    this.#opts = opts;
    this.name = opts.name;
    this.#root = new URL(opts.apiRoot.replace(/\/+$/, '') + '/');
    this.#fetch = opts.fetch ?? ((input, init) => fetch(input, init));
    this.#retryDelays = opts.retryDelaysMs ?? [200, 600];
  }

  // ---- 6.2 session ----

  /**
   * The access system's session token, logging in when there is none or it is about to expire.
   * Concurrent callers share one login (DB11/T 2290 6.8 step 1).
   */
  async #sessionToken(): Promise<string> {
    const t = this.#token;
    if (t && Date.now() < t.renewAt) return t.value;
    this.#login ??= this.#doLogin().finally(() => {
      this.#login = null;
    });
    return this.#login;
  }

  async #doLogin(): Promise<string> {
    const { account } = this.#opts;
    const started = Date.now();
    let env: Envelope<null>;
    try {
      env = await this.#send<null>('POST', 'security/login', {}, {
        app_key: account.appKey,
        app_secret: account.appSecret,
        account: account.account,
        password: account.password,
      }, { read: true }); // a failed login changed nothing: safe to repeat, like a read
    } catch (err) {
      if (err instanceof UpstreamError) {
        this.#opts.log.error({ upstream: this.name, code: err.code }, 'upstream login refused');
        throw new UpstreamUnavailableError('login_failed', `login refused: ${err.code}`);
      }
      throw err;
    }
    if (typeof env.access_token !== 'string' || env.access_token === '') {
      throw new UpstreamUnavailableError('garbage', 'login answered without access_token');
    }
    const ttlMs = (typeof env.expires_in === 'number' && env.expires_in > 0 ? env.expires_in : DEFAULT_SESSION_SECONDS) * 1000;
    // Renew a minute early (or at 90% of a short lifetime) so no call carries a dying token.
    const margin = Math.min(60_000, ttlMs * 0.1);
    this.#token = { value: env.access_token, renewAt: started + ttlMs - margin };
    this.#opts.log.info({ upstream: this.name, expires_in: Math.round(ttlMs / 1000) }, 'upstream session established');
    this.#opts.onReconnect?.();
    return env.access_token;
  }

  /** Forget `stale` (only if no one has replaced it yet), so the next caller logs in. */
  #invalidate(stale: string): void {
    if (this.#token?.value === stale) this.#token = null;
  }

  // ---- the one way out ----

  /**
   * Calls any license-app/v1 path (relative to the API root, e.g. `license/webpage`) with the
   * session token, and returns the SUCCESS envelope. Throws UpstreamError for FAILURE and
   * UpstreamUnavailableError for transport faults. The typed methods below are preferred; this
   * is for extensions they do not cover.
   */
  async request<T>(method: 'GET' | 'POST', path: string, spec: RequestSpec = {}, opts: CallOptions = {}): Promise<Envelope<T>> {
    const call = { ...opts, requestId: opts.requestId ?? randomUUID() };
    let token = await this.#sessionToken();
    try {
      return await this.#send<T>(method, path, { ...spec.query, access_token: token }, spec.body, call);
    } catch (err) {
      if (!(err instanceof UpstreamError) || !TOKEN_REFUSALS.has(err.code)) throw err;
    }
    // DB11/T 2290 6.8: the session ended early (logout elsewhere, service restart): log in once
    // more and repeat the call. The call was refused, not executed, so repeating a write is safe.
    this.#invalidate(token);
    token = await this.#sessionToken();
    return this.#send<T>(method, path, { ...spec.query, access_token: token }, spec.body, call);
  }

  async #send<T>(method: 'GET' | 'POST', path: string, query: UpstreamQuery, body: object | undefined, opts: CallOptions): Promise<Envelope<T>> {
    // Only reads are repeated: a write that timed out may have happened.
    const attempts = method === 'GET' || opts.read ? this.#retryDelays.length + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once<T>(method, path, query, body, opts);
      } catch (err) {
        const retriable = err instanceof UpstreamUnavailableError && (err.reason === 'network' || err.reason === 'http_status');
        if (!retriable || attempt >= attempts) throw err;
        await sleep(this.#retryDelays[attempt - 1] ?? 0, AbortSignal.any([this.#closing.signal, ...(opts.signal ? [opts.signal] : [])]));
      }
    }
  }

  async #once<T>(method: 'GET' | 'POST', path: string, query: UpstreamQuery, body: object | undefined, opts: CallOptions): Promise<Envelope<T>> {
    const url = new URL(path.replace(/^\/+/, ''), this.#root);
    const requestId = opts.requestId ?? randomUUID();
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...query, request_id: method === 'GET' ? requestId : undefined })) {
      if (v !== undefined) params[k] = String(v);
    }
    url.search = new URLSearchParams(params).toString();
    const payload = body === undefined ? '' : JSON.stringify({ ...body, request_id: requestId });
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload) headers['content-type'] = 'application/json; charset=utf-8';
    if (this.#opts.signing !== 'off') {
      Object.assign(headers, signingHeaders(this.#opts.signing, this.#opts.account, { method, path: url.pathname, query: params, body: payload }));
    }

    const timeoutMs = opts.timeoutMs ?? this.#opts.timeoutMs;
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), this.#closing.signal, ...(opts.signal ? [opts.signal] : [])]);
    const logPath = `/${path.replace(/^\/+/, '')}`;
    const started = performance.now();
    const done = (level: 'debug' | 'warn', fields: Record<string, unknown>, msg: string): void => {
      this.#opts.log[level]({ upstream: this.name, method, path: logPath, request_id: requestId, duration_ms: Math.round(performance.now() - started), ...fields }, msg);
    };

    let status = 0;
    let text: string;
    try {
      const res = await this.#fetch(url, { method, headers, body: payload || undefined, signal, redirect: 'error' });
      status = res.status;
      text = await res.text();
    } catch (err) {
      const e = err as Error;
      if (opts.signal?.aborted || this.#closing.signal.aborted) throw err;
      const timeout = e.name === 'TimeoutError' || (e.name === 'AbortError' && signal.aborted);
      const failure = new UpstreamUnavailableError(
        timeout ? 'timeout' : 'network',
        timeout ? `no answer within ${timeoutMs} ms` : `${e.name}: ${(e.cause as Error | undefined)?.message ?? e.message}`,
      );
      done('warn', { error: failure.reason, detail: failure.detail, status }, 'upstream call failed');
      this.#failing = true;
      throw failure;
    }
    if (this.#failing) {
      this.#failing = false;
      this.#opts.onReconnect?.();
    }
    // An interface the upstream does not have (an extension it lacks) answers as any unknown
    // path: 404 with or without an envelope, a gateway's HTML page, or 405.
    if (status === 404 || status === 405) {
      done('debug', { status }, 'upstream has no such interface');
      throw new UpstreamAbsentError(logPath.slice(1), status);
    }

    let env: unknown;
    try {
      env = JSON.parse(text);
    } catch {
      env = undefined;
    }
    if (!isEnvelope(env)) {
      const reason = status >= 500 ? 'http_status' : 'garbage';
      if (reason === 'http_status') this.#failing = true;
      done('warn', { status, error: reason }, 'upstream answered something other than the envelope');
      throw new UpstreamUnavailableError(reason, `HTTP ${status} without an envelope`);
    }
    if (status >= 500) {
      this.#failing = true;
      done('warn', { status, ack_code: env.ack_code }, 'upstream server error');
      throw new UpstreamUnavailableError('http_status', `HTTP ${status}`);
    }
    if (env.ack_code === 'FAILURE') {
      const error = firstError(env);
      done('debug', { status, ack_code: env.ack_code, error_code: error.code }, 'upstream call refused');
      throw error;
    }
    if (status < 200 || status >= 300) {
      done('warn', { status, ack_code: env.ack_code }, 'upstream answered SUCCESS with an error status');
      throw new UpstreamUnavailableError('garbage', `HTTP ${status} with SUCCESS`);
    }
    done('debug', { status, ack_code: env.ack_code }, 'upstream call');
    return env as Envelope<T>;
  }

  /**
   * An answer's data as `read` takes it against the contract. A breach is logged with the field it
   * names (never a value: records carry personal data) and thrown as UPSTREAM_ERROR.
   */
  #read<T>(what: string, read: (what: string) => T): T {
    try {
      return read(what);
    } catch (err) {
      if (err instanceof UpstreamUnavailableError) this.#opts.log.warn({ upstream: this.name, interface: what, error: 'contract', detail: err.detail }, 'upstream answer breaks the contract');
      throw err;
    }
  }

  #dataOf<T>(env: Envelope<T>, what: string): T {
    if (env.data === null || env.data === undefined) throw malformedAnswer(what, 'data');
    return env.data;
  }

  // ---- 6.6 holder authorisation ----

  /** `license/webpage`: all the holder's issued and abolished certificates. A read, so retried. */
  async webpage(credential: string, opts?: CallOptions): Promise<LicenseRecord[]> {
    const env = await this.request('POST', 'license/webpage', { body: { credential, cas_no: this.#opts.casNo ?? 'oidc' } }, { ...opts, read: true });
    return this.#read('webpage', (w) => readRecords(env.data, w));
  }

  /** `license/holder`: the holder's certificates this service item accepts, each with a fresh usage code. */
  async holder(req: Omit<HolderRequest, 'request_id'>, opts?: CallOptions): Promise<HolderResult> {
    const env = await this.request('POST', 'license/holder', { body: { cas_no: this.#opts.casNo ?? 'oidc', ...req } }, opts);
    return this.#read('holder', (w) => {
      const licenses = readRecords(env.data, w);
      return { licenses, authCodes: readAuthCodes(env, licenses.length, w) };
    });
  }

  /** `license/get_license`; `data_fields` (a JSON string per the spec, or an object) comes back parsed. */
  async getLicense(authCode: string, opts?: CallOptions): Promise<LicenseRecord> {
    const env = await this.request('GET', 'license/get_license', { query: { auth_code: authCode } }, opts);
    return this.#read('get_license', (w) => readRecord(this.#dataOf(env, w), w));
  }

  /** `license/token`: a `license_access_token` for the mobile view. */
  async token(authCode: string, opts?: CallOptions): Promise<LicenseTokenResult> {
    const env = await this.request('GET', 'license/token', { query: { auth_code: authCode } }, opts);
    return this.#read('token', (w) => readAs(LicenseTokenResultSchema, this.#dataOf(env, w), w));
  }

  /** `license/archive`: the signed file, base64. */
  async archive(authCode: string, o: { fileType?: 'pdf'; showSensitive?: boolean } = {}, opts?: CallOptions): Promise<ArchiveResult> {
    const query = { auth_code: authCode, file_type: o.fileType ?? 'pdf', show_sensitive_data: o.showSensitive ?? false };
    const env = await this.request('GET', 'license/archive', { query }, opts);
    return this.#read('archive', (w) => readAs(ArchiveResultSchema, this.#dataOf(env, w), w));
  }

  /** Extension `license/auth_code/revoke`: the holder withdraws a usage code. */
  async revokeAuthCode(authCode: string, credential: string, opts?: CallOptions): Promise<void> {
    await this.request('POST', 'license/auth_code/revoke', { body: { auth_code: authCode, credential } }, opts);
  }

  /** Extension `license/auth_code/uses`: every redemption of the holder's codes. A read, so retried. */
  async uses(credential: string, opts?: CallOptions): Promise<AuthCodeUse[]> {
    const env = await this.request('POST', 'license/auth_code/uses', { body: { credential } }, { ...opts, read: true });
    return this.#read('uses', (w) => readListAs(AuthCodeUseSchema, env.data, w));
  }

  /**
   * Extension `license/auth_code/events` (long poll). The timeout covers the wait plus the usual
   * allowance, so a quiet feed is not mistaken for a dead service. Events of a kind this client
   * does not know are skipped.
   */
  async events(since: string | undefined, waitSeconds: number, opts: CallOptions = {}): Promise<AuthCodeEventsResult> {
    const wait = Math.max(0, Math.min(30, Math.floor(waitSeconds)));
    const env = await this.request('GET', 'license/auth_code/events', { query: { since, wait } }, {
      ...opts,
      timeoutMs: (opts.timeoutMs ?? this.#opts.timeoutMs) + wait * 1000,
    });
    return this.#read('events', (w) => {
      const data = this.#dataOf(env, w) as { events?: unknown };
      return readAs(AuthCodeEventsResultSchema, { ...data, events: readKnownEvents(data.events, w) }, w);
    });
  }

  /** Extension `license/license_by_token`: the record behind a license_access_token. */
  async licenseByToken(token: string, opts?: CallOptions): Promise<LicenseByTokenResult> {
    const env = await this.request('GET', 'license/license_by_token', { query: { license_access_token: token } }, opts);
    return this.#read('license_by_token', (w) => {
      const data = this.#dataOf(env, w) as { license?: unknown };
      return readAs(LicenseByTokenResultSchema, { ...data, license: readRecord(data.license, `${w}.license`) }, w);
    });
  }

  // ---- 6.2 / 6.3 reference data ----

  /** `service_item/list`: an organisation's service items (事项); all of them when no org is given. */
  async serviceItems(orgCode?: string, opts?: CallOptions): Promise<ServiceItem[]> {
    const env = await this.request('GET', 'service_item/list', { query: { org_code: orgCode, type: 0 } }, opts);
    return this.#read('service_item/list', (w) => readListAs(ServiceItemSchema, env.data, w) as ServiceItem[]);
  }

  /** `catalog/{license_item_code}` */
  async catalogEntry(licenseItemCode: string, opts?: CallOptions): Promise<CatalogueEntry> {
    const env = await this.request('GET', `catalog/${encodeURIComponent(licenseItemCode)}`, {}, opts);
    return this.#read('catalog', (w) => readAs(CatalogueEntrySchema, this.#dataOf(env, w), w));
  }

  /** `catalog/list` */
  async catalogList(page: { pageIndex?: number; pageSize?: number } = {}, opts?: CallOptions): Promise<CatalogueList> {
    const env = await this.request('GET', 'catalog/list', { query: { page_index: page.pageIndex, page_size: page.pageSize } }, opts);
    const entries = this.#read('catalog/list', (w) => readListAs(CatalogueEntrySchema, env.data, w));
    return { entries, totalCount: typeof env.total_count === 'number' ? env.total_count : entries.length };
  }

  // ---- 6.7 by function ----

  /** `license/auth`: certificates of the given identity numbers that the service item accepts. */
  async auth(req: Omit<ByFunctionRequest, 'request_id'>, opts?: CallOptions): Promise<ByFunctionResult> {
    const env = await this.request('POST', 'license/auth', { body: req }, opts);
    return this.#read('auth', (w) => {
      const licenses = readRecords(env.data, w);
      return { licenses, authCodes: readAuthCodes(env, licenses.length, w), totalCount: typeof env.total_count === 'number' ? env.total_count : licenses.length };
    });
  }

  /** `security/get_current_user`: who this access system is upstream. */
  async currentUser(opts?: CallOptions): Promise<CurrentUser> {
    const env = await this.request('GET', 'security/get_current_user', {}, opts);
    return this.#read('get_current_user', (w) => readAs(CurrentUserSchema, this.#dataOf(env, w), w));
  }

  /** `security/logout`: ends the upstream session; the next call logs in again. */
  async logout(opts: CallOptions = {}): Promise<void> {
    const token = this.#token?.value;
    this.#token = null;
    if (!token) return;
    try {
      await this.#send('POST', 'security/logout', { access_token: token }, undefined, { ...opts, requestId: opts.requestId ?? randomUUID() });
    } catch (err) {
      if (err instanceof UpstreamError && TOKEN_REFUSALS.has(err.code)) return;
      throw err;
    }
  }

  /** Best-effort logout at shutdown, then stops every call still waiting (long polls). */
  async close(): Promise<void> {
    try {
      await this.logout({ timeoutMs: Math.min(this.#opts.timeoutMs, 2000) });
    } catch (err) {
      this.#opts.log.warn({ upstream: this.name, err }, 'upstream logout at shutdown failed');
    }
    this.#closing.abort(new Error('upstream client closed'));
  }
}

/** The two access systems the BFF speaks as: the holder app, and the counter. */
export function createUpstreamClients(config: Config, log: FastifyBaseLogger, options: { fetch?: typeof fetch; onReconnect?: () => void } = {}): { holder: UpstreamClient; counter: UpstreamClient } {
  const common = { apiRoot: config.upstream.url, signing: config.upstream.signing, timeoutMs: config.upstream.timeoutMs, fetch: options.fetch, casNo: config.idp.casNo };
  return {
    holder: new UpstreamClient({ ...common, name: 'holder', account: config.upstream.holder, log, onReconnect: options.onReconnect }),
    counter: new UpstreamClient({ ...common, name: 'counter', account: config.upstream.counter, log }),
  };
}
