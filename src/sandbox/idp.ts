import { generateKeyPairSync, randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Database } from 'better-sqlite3';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Provider, { errors, type Configuration, type KoaContextWithOIDC, type Account, type ClientMetadata } from 'oidc-provider';
import { Type } from 'typebox';
import { DEMO_PASSWORD, DEMO_PEOPLE } from './demo-data.ts';
import { ensureIdpSchema, purgeExpired, SqliteAdapter } from './idp-adapter.ts';
import { IDP_CSP, IDP_CSS, loginPage, logoutPage, messagePage } from './idp-views.ts';
import { cachedVerifier, watchProvider } from './credential-cache.ts';

// The development unified identity platform (统一身份认证平台): a real OpenID Provider
// (oidc-provider 8) mounted inside Fastify. Its access tokens are the holder `credential` of
// DB11/T 2290 6.6; the sharing service checks them by introspection.

export interface HolderIdentity {
  sub: string;
  name: string;
  identity_type: string;
  identity_num: string;
  phone?: string;
  role: 'citizen' | 'counter_staff';
  org_name?: string;
  org_code?: string;
}

export interface IdpClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  /** How the client authenticates at the token endpoint; default client_secret_basic. */
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
  /** Shown on the login page ("登录后返回「…」"); defaults to the client id. */
  client_name?: string;
}

export interface IdpOptions {
  db: Database;
  /** Absolute URL including the mount prefix, e.g. http://127.0.0.1:8080/sandbox/idp */
  issuer: string;
  clients: IdpClient[];
  /** Access token lifetime in seconds (default 600). */
  accessTokenTtl?: number;
  /** Login session lifetime in seconds (default 8 h). */
  sessionTtl?: number;
}

/** The confidential client the sharing service uses to introspect holder credentials. */
export const INTROSPECTION_CLIENT_ID = 'sandbox-license-app';

const SCOPES = ['openid', 'profile', 'phone', 'identity', 'offline_access'];
const IDENTITY_CLAIMS = ['identity_type', 'identity_num', 'role', 'org_name', 'org_code'] as const;
const MAX_FAILURES = 10;
const FAILURE_WINDOW_S = 15 * 60;

interface AccountRow {
  account: string;
  password_hash: string;
  name: string;
  identity_type: string;
  identity_num: string;
  phone: string | null;
  role: 'citizen' | 'counter_staff';
  org_name: string | null;
  org_code: string | null;
}

// ---- password hashing (scrypt, per-account salt) ----

const SCRYPT: ScryptOptions = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

function scrypt(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize('NFKC'), salt, 32, SCRYPT, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, , , , salt, key] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

// A fixed hash to compare against when the account does not exist, so that an unknown account
// costs the same time as a wrong password.
let dummyHash: Promise<string> | undefined;

// ---- persistent state: accounts, keys, secrets ----

function ensureSchema(db: Database): void {
  ensureIdpSchema(db);
  db.exec(`
    CREATE TABLE IF NOT EXISTS idp_config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS idp_account (
      account TEXT PRIMARY KEY,
      password_hash TEXT NOT NULL,
      name TEXT NOT NULL,
      identity_type TEXT NOT NULL,
      identity_num TEXT NOT NULL,
      phone TEXT,
      role TEXT NOT NULL CHECK (role IN ('citizen', 'counter_staff')),
      org_name TEXT,
      org_code TEXT
    );
    CREATE TABLE IF NOT EXISTS idp_login_failure (account TEXT NOT NULL, at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS idp_login_failure_account ON idp_login_failure (account, at);
  `);
}

/** Reads a persisted value, creating it once; the first writer wins when two instances race. */
function configValue(db: Database, key: string, create: () => string): string {
  db.prepare('INSERT OR IGNORE INTO idp_config (key, value) VALUES (?, ?)').run(key, create());
  const row = db.prepare<[string], { value: string }>('SELECT value FROM idp_config WHERE key = ?').get(key);
  if (!row) throw new Error(`idp config ${key} missing`);
  return row.value;
}

function signingKeys(db: Database): Record<string, unknown>[] {
  const json = configValue(db, 'jwks', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
    return JSON.stringify({ keys: [jwk] });
  });
  return (JSON.parse(json) as { keys: Record<string, unknown>[] }).keys;
}

async function seedAccounts(db: Database): Promise<void> {
  const exists = db.prepare<[string], { account: string }>('SELECT account FROM idp_account WHERE account = ?');
  const insert = db.prepare(`INSERT OR IGNORE INTO idp_account
    (account, password_hash, name, identity_type, identity_num, phone, role, org_name, org_code)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const p of DEMO_PEOPLE) {
    if (exists.get(p.account)) continue;
    const hash = await hashPassword(DEMO_PASSWORD);
    insert.run(p.account, hash, p.name, p.identityType, p.identityNum, p.phone, p.role, p.orgName ?? null, p.orgCode ?? null);
  }
}

// In-process registry so createCredentialVerifier({ issuer }) finds the introspection secret
// that the idp generated and stored in its database.
const introspectionCredentials = new Map<string, { clientId: string; clientSecret: string }>();
const normIssuer = (issuer: string): string => issuer.replace(/\/+$/, '');

// ---- the plugin ----

export async function idpPlugin(app: FastifyInstance, opts: IdpOptions): Promise<void> {
  const { db } = opts;
  const issuer = normIssuer(opts.issuer);
  const mountPath = new URL(issuer).pathname.replace(/\/+$/, '');
  if (app.prefix !== mountPath) {
    throw new Error(`idpPlugin: registered under prefix "${app.prefix}" but the issuer path is "${mountPath}"`);
  }
  const cssHref = `${mountPath}/assets/idp.css`;

  ensureSchema(db);
  purgeExpired(db);
  await seedAccounts(db);

  const cookieKeys = JSON.parse(configValue(db, 'cookie_keys', () => JSON.stringify([randomBytes(32).toString('base64url')]))) as string[];
  const introspectionSecret = configValue(db, 'introspection_client_secret', () => randomBytes(32).toString('base64url'));
  const ownCredentials = { clientId: INTROSPECTION_CLIENT_ID, clientSecret: introspectionSecret };
  introspectionCredentials.set(issuer, ownCredentials);

  // Clients live in the database too: oidc-provider reads non-static clients through the adapter.
  const clientAdapter = new SqliteAdapter(db, 'Client');
  const clientRecords: ClientMetadata[] = [
    ...opts.clients.map((c): ClientMetadata => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uris: c.redirect_uris,
      post_logout_redirect_uris: c.post_logout_redirect_uris ?? [],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: c.token_endpoint_auth_method ?? 'client_secret_basic',
      ...(c.client_name ? { client_name: c.client_name } : {}),
    })),
    {
      client_id: INTROSPECTION_CLIENT_ID,
      client_secret: introspectionSecret,
      redirect_uris: [],
      grant_types: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ];
  for (const c of clientRecords) await clientAdapter.upsert(c.client_id, c, 0);
  const firstParty = new Set(opts.clients.map((c) => c.client_id));
  const clientNames = new Map(opts.clients.map((c) => [c.client_id, c.client_name ?? c.client_id]));

  const findAccountRow = db.prepare<[string], AccountRow>('SELECT * FROM idp_account WHERE account = ?');

  const claimsOf = (row: AccountRow): Record<string, string | boolean | undefined> => ({
    sub: row.account,
    name: row.name,
    phone_number: row.phone ?? undefined,
    phone_number_verified: row.phone ? true : undefined,
    identity_type: row.identity_type,
    identity_num: row.identity_num,
    role: row.role,
    org_name: row.org_name ?? undefined,
    org_code: row.org_code ?? undefined,
  });

  const page = (ctx: KoaContextWithOIDC, status: number, html: string): void => {
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = html;
  };

  const configuration: Configuration = {
    adapter: (name: string) => new SqliteAdapter(db, name),
    jwks: { keys: signingKeys(db) as never },
    cookies: { keys: cookieKeys, long: { signed: true }, short: { signed: true } },
    scopes: SCOPES,
    claims: {
      openid: ['sub'],
      profile: ['name'],
      phone: ['phone_number', 'phone_number_verified'],
      identity: [...IDENTITY_CLAIMS],
    },
    // conformIdTokenClaims stays on: scope claims go to userinfo and introspection only, never
    // into the ID token, which travels in URLs (id_token_hint) where access logs would keep it.
    responseTypes: ['code'],
    pkce: { required: () => true, methods: ['S256'] },
    features: {
      devInteractions: { enabled: false },
      introspection: {
        enabled: true,
        // Only the sharing service, or a client asking about its own token, may introspect.
        allowedPolicy: async (ctx, client, token) =>
          client.clientId === INTROSPECTION_CLIENT_ID || client.clientId === token.clientId,
      },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => page(ctx, 200, logoutPage({ cssHref, form })),
        postLogoutSuccessSource: async (ctx) =>
          page(ctx, 200, messagePage({ cssHref, title: '已退出登录', message: '您已安全退出统一身份认证平台，可以关闭本页面。' })),
      },
    },
    interactions: { url: async (_ctx, interaction) => `${mountPath}/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub): Promise<Account | undefined> {
      const row = findAccountRow.get(sub);
      if (!row) return undefined;
      return { accountId: row.account, claims: () => claimsOf(row) as { sub: string } };
    },
    // First-party clients only: consent is implied, so the holder sees just the login page.
    async loadExistingGrant(ctx) {
      const { client, session, account } = ctx.oidc;
      if (!client || !session || !account || !firstParty.has(client.clientId)) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      grant ??= new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: account.accountId });
      // requestParamOIDCScopes exists at runtime (oidc_context.js) but not in @types/oidc-provider.
      const requested = (ctx.oidc as unknown as { requestParamOIDCScopes: Set<string> }).requestParamOIDCScopes;
      grant.addOIDCScope([...requested].join(' '));
      if (ctx.oidc.requestParamClaims.size) grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
      await grant.save();
      return grant;
    },
    // Identity claims travel inside the opaque access token so introspection alone tells the
    // sharing service whose credential it holds (DB11/T 2290 6.6).
    async extraTokenClaims(_ctx, token) {
      if (token.kind !== 'AccessToken' || !('accountId' in token) || typeof token.accountId !== 'string') return undefined;
      const scopes = new Set(String((token as { scope?: string }).scope ?? '').split(' '));
      const row = findAccountRow.get(token.accountId);
      if (!row) return undefined;
      const all = claimsOf(row);
      const out: Record<string, unknown> = {};
      if (scopes.has('profile')) out.name = all.name;
      if (scopes.has('phone')) out.phone_number = all.phone_number;
      if (scopes.has('identity')) for (const c of IDENTITY_CLAIMS) out[c] = all[c];
      return out;
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: opts.accessTokenTtl ?? 600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 30 * 60,
      Session: opts.sessionTtl ?? 8 * 3600,
      Grant: opts.sessionTtl ?? 8 * 3600,
      RefreshToken: opts.sessionTtl ?? 8 * 3600,
    },
    async renderError(ctx, out) {
      const code = String(out.error ?? 'server_error');
      const message = code === 'invalid_request' || code === 'invalid_client' || code === 'invalid_redirect_uri'
        ? '请求参数无效，请返回应用重新发起登录。'
        : code === 'session_not_found' || code === 'invalid_grant'
          ? '登录会话已失效，请返回应用重新登录。'
          : '统一身份认证服务暂时无法处理该请求，请稍后重试。';
      page(ctx, ctx.status >= 400 ? ctx.status : 400, messagePage({ cssHref, title: '无法完成请求', message: `${message}（${code}）` }));
    },
  };

  const provider = new Provider(issuer, configuration);
  // Behind the BFF's reverse proxy or a TLS terminator: trust X-Forwarded-* for URLs and cookies.
  provider.proxy = true;
  provider.use(async (ctx, next) => {
    // oidc-provider adds the hash of its own auto-submit script (form_post) to this policy.
    ctx.set('Content-Security-Policy', `${IDP_CSP}; script-src 'self'`);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    await next();
  });
  provider.on('server_error', (_ctx, err: Error) => app.log.error({ err: { name: err.name, message: err.message } }, 'idp server error'));
  // Lets this process's credential verifier remember answers briefly; logout and revocation forget them.
  const unwatchCredentials = watchProvider(issuer, provider);

  const purgeFailures = db.prepare('DELETE FROM idp_login_failure WHERE at < ?');
  const purgeTimer = setInterval(() => {
    purgeExpired(db);
    purgeFailures.run(Math.floor(Date.now() / 1000) - FAILURE_WINDOW_S);
  }, 10 * 60 * 1000);
  purgeTimer.unref();
  app.addHook('onClose', async () => {
    clearInterval(purgeTimer);
    unwatchCredentials();
    if (introspectionCredentials.get(issuer) === ownCredentials) introspectionCredentials.delete(issuer);
  });

  const callback = provider.callback();

  // oidc-provider parses its own bodies: this scope has no Fastify parsers and hands the raw
  // request over untouched.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
    scope.all('/*', { schema: { params: Type.Object({ '*': Type.String() }) } }, (req, reply) => {
      reply.hijack();
      const raw = req.raw as IncomingMessage & { originalUrl?: string };
      raw.originalUrl = raw.url;
      raw.url = (raw.url ?? '/').slice(mountPath.length) || '/';
      void callback(raw, reply.raw);
    });
  });

  // Our own interaction pages (login), with a form parser of their own.
  await app.register(async (parent) => {
    const scope = parent.withTypeProvider<TypeBoxTypeProvider>();
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8192 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    const html = (reply: FastifyReply, status: number, body: string): void => {
      void reply.code(status).header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', IDP_CSP).header('cache-control', 'no-store').send(body);
    };

    // interactionFinished writes the redirect to the raw response itself.
    const finish = async (reply: FastifyReply, write: () => Promise<void>): Promise<void> => {
      reply.hijack();
      try {
        await write();
      } catch (err) {
        const status = err instanceof errors.SessionNotFound ? 400 : 500;
        if (status === 500) reply.log.error({ err: { name: (err as Error).name, message: (err as Error).message } }, 'idp interaction failed');
        if (!reply.raw.headersSent) {
          reply.raw.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': IDP_CSP, 'cache-control': 'no-store' });
        }
        reply.raw.end(messagePage({ cssHref, title: '无法完成登录', message: '登录会话已失效或服务暂时不可用，请返回应用重新登录。' }));
      }
    };

    const expired = (reply: FastifyReply): void =>
      html(reply, 400, messagePage({ cssHref, title: '登录会话已失效', message: '登录页面已过期或不完整，请返回应用重新登录。' }));

    const failuresSince = db.prepare<[string, number], { n: number }>('SELECT count(*) AS n FROM idp_login_failure WHERE account = ? AND at > ?');
    const recordFailure = db.prepare('INSERT INTO idp_login_failure (account, at) VALUES (?, ?)');
    const clearFailures = db.prepare('DELETE FROM idp_login_failure WHERE account = ? OR at < ?');

    scope.get('/assets/idp.css', { schema: { response: { 200: Type.String() } } }, (_req, reply) => {
      void reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=3600');
      return IDP_CSS;
    });

    const uidParams = Type.Object({ uid: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });

    /** The interaction this browser is in, if it is still alive and is the one the URL names. */
    const interactionFor = async (req: IncomingMessage, res: ServerResponse, uid: string) => {
      try {
        const details = await provider.interactionDetails(req, res);
        return details.uid === uid ? details : null;
      } catch (err) {
        if (err instanceof errors.SessionNotFound) return null;
        throw err;
      }
    };

    scope.get('/interaction/:uid', { schema: { params: uidParams, response: { 200: Type.String(), 400: Type.String() } } }, async (req, reply) => {
      const details = await interactionFor(req.raw, reply.raw, req.params.uid);
      if (!details) return expired(reply);
      if (details.prompt.name === 'consent') {
        // Reached only if a grant could not be loaded; first-party consent is still implied.
        const grant = details.grantId
          ? (await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId: details.session?.accountId, clientId: String(details.params.client_id) })
          : new provider.Grant({ accountId: details.session?.accountId, clientId: String(details.params.client_id) });
        const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
        const grantId = await grant.save();
        await finish(reply, () => provider.interactionFinished(req.raw, reply.raw, { consent: { grantId } }, { mergeWithLastSubmission: true }));
        return;
      }
      return html(reply, 200, loginPage({
        cssHref,
        action: `${mountPath}/interaction/${details.uid}/login`,
        clientName: clientNames.get(String(details.params.client_id)) ?? '',
      }));
    });

    scope.post('/interaction/:uid/login', {
      schema: {
        params: uidParams,
        body: Type.Object({ account: Type.Optional(Type.String({ maxLength: 256 })), password: Type.Optional(Type.String({ maxLength: 1024 })) }),
        response: { 200: Type.String(), 400: Type.String(), 401: Type.String(), 429: Type.String() },
      },
    }, async (req, reply) => {
      const details = await interactionFor(req.raw, reply.raw, req.params.uid);
      if (!details || details.prompt.name !== 'login') return expired(reply);

      const account = (req.body.account ?? '').trim().toLowerCase();
      const password = req.body.password ?? '';
      const again = (status: number, error: string): void => html(reply, status, loginPage({
        cssHref, action: `${mountPath}/interaction/${details.uid}/login`, clientName: clientNames.get(String(details.params.client_id)) ?? '', account, error,
      }));

      if (!account || !password) return again(400, '请输入账号和密码。');
      const now = Math.floor(Date.now() / 1000);
      if ((failuresSince.get(account, now - FAILURE_WINDOW_S)?.n ?? 0) >= MAX_FAILURES) {
        return again(429, '登录失败次数过多，该账号已暂时锁定，请 15 分钟后再试。');
      }
      const row = findAccountRow.get(account);
      dummyHash ??= hashPassword(randomUUID());
      const ok = await verifyPassword(password, row?.password_hash ?? await dummyHash);
      if (!row || !ok) {
        recordFailure.run(account, now);
        return again(401, '账号或密码错误，请重新输入。');
      }
      clearFailures.run(account, now - FAILURE_WINDOW_S);
      req.log.info({ sub: row.account }, 'idp login');
      await finish(reply, () => provider.interactionFinished(req.raw, reply.raw, { login: { accountId: row.account } }, { mergeWithLastSubmission: false }));
    });
  });
}

// ---- credential verification for the sharing service ----

export interface CredentialVerifierOptions {
  issuer: string;
  /** Defaults to the introspection client of an idpPlugin running in this process for the same issuer. */
  clientId?: string;
  clientSecret?: string;
}

/**
 * Checks a holder credential (an access token of this provider) by RFC 7662 introspection over
 * HTTP. When this process runs the provider, an answer is remembered for a few seconds
 * (credential-cache.ts) and forgotten at any logout or revocation, so those still fail at once.
 * Resolves null for an unknown, expired or revoked token or one without identity claims;
 * rejects when the provider cannot be reached.
 */
export function createCredentialVerifier(opts: CredentialVerifierOptions): (token: string) => Promise<HolderIdentity | null> {
  const issuer = normIssuer(opts.issuer);
  let endpoint: string | undefined;

  const credentials = (): { clientId: string; clientSecret: string } => {
    if (opts.clientId && opts.clientSecret) return { clientId: opts.clientId, clientSecret: opts.clientSecret };
    const registered = introspectionCredentials.get(issuer);
    if (!registered) throw new Error(`no identity provider for ${issuer} in this process; pass clientId and clientSecret`);
    return registered;
  };

  const introspectionEndpoint = async (): Promise<string> => {
    if (endpoint) return endpoint;
    const res = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`identity provider discovery failed: HTTP ${res.status}`);
    const meta = (await res.json()) as { issuer?: string; introspection_endpoint?: string };
    if (normIssuer(meta.issuer ?? '') !== issuer || !meta.introspection_endpoint) {
      throw new Error('identity provider discovery document has no matching issuer or introspection endpoint');
    }
    endpoint = meta.introspection_endpoint;
    return endpoint;
  };

  return cachedVerifier(issuer, async (token: string, expiresAt: (ms: number) => void): Promise<HolderIdentity | null> => {
    if (typeof token !== 'string' || !/^[\x21-\x7e]{16,4096}$/.test(token)) return null;
    const { clientId, clientSecret } = credentials();
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
    const res = await fetch(await introspectionEndpoint(), {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`identity provider introspection failed: HTTP ${res.status}`);
    const body = (await res.json()) as Record<string, unknown>;
    const str = (k: string): string | undefined => (typeof body[k] === 'string' && body[k] !== '' ? (body[k] as string) : undefined);

    if (body.active !== true) return null;
    // A refresh token is introspectable too, but it is not a credential.
    if (body.token_type !== 'Bearer') return null;
    if (normIssuer(str('iss') ?? '') !== issuer) return null;
    if (typeof body.exp !== 'number' || body.exp * 1000 <= Date.now()) return null;
    expiresAt(body.exp * 1000);
    const sub = str('sub');
    const name = str('name');
    const identityType = str('identity_type');
    const identityNum = str('identity_num');
    const role = str('role');
    if (!sub || !name || !identityType || !identityNum || (role !== 'citizen' && role !== 'counter_staff')) return null;
    return {
      sub,
      name,
      identity_type: identityType,
      identity_num: identityNum,
      ...(str('phone_number') ? { phone: str('phone_number') } : {}),
      role,
      ...(str('org_name') ? { org_name: str('org_name') } : {}),
      ...(str('org_code') ? { org_code: str('org_code') } : {}),
    };
  });
}
