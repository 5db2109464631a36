import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Database } from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import Provider, { type Configuration, type KoaContextWithOIDC, type Account, type ClientMetadata } from 'oidc-provider';
import { AccountBook, claimsOf, configValue, ensureAccountSchema, IDENTITY_CLAIMS, seedAccounts } from './idp-accounts.ts';
import { purgeExpired, SqliteAdapter } from './idp-adapter.ts';
import { casRoutes } from './idp-cas.ts';
import { introspectionClient, INTROSPECTION_CLIENT_ID, normIssuer } from './idp-credentials.ts';
import { interactionRoutes } from './idp-interactions.ts';
import { oauth2Routes, PLATFORM_SCOPE } from './idp-oauth2.ts';
import { IDP_CSP, IDP_CSS, logoutPage, messagePage } from './idp-views.ts';
import { watchProvider } from './credential-cache.ts';

// The development unified identity platform (统一身份认证平台): a real OpenID Provider
// (oidc-provider 8) mounted inside Fastify, which can also play the two other kinds of platform
// (SANDBOX_IDP_PROTOCOL): plain OAuth 2.0 with its own user-info field names, and a CAS 3.0
// ticket server. Its access tokens are the holder `credential` of DB11/T 2290 6.6 in every mode;
// the sharing service checks them by introspection (idp-credentials.ts).

export type { HolderIdentity } from './idp-credentials.ts';
export { createCredentialVerifier, introspectionClient, INTROSPECTION_CLIENT_ID } from './idp-credentials.ts';

export type IdpProtocol = 'oidc' | 'oauth2' | 'cas';

export interface IdpClient {
  client_id: string;
  client_secret: string;
  /** Also the CAS services this client may name (`service` without its query). */
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
  /** Which kind of platform to play; default oidc. */
  protocol?: IdpProtocol;
  /** Access token lifetime in seconds (default 600). */
  accessTokenTtl?: number;
  /** Login session lifetime in seconds (default 8 h). */
  sessionTtl?: number;
}

const SCOPES = ['openid', 'profile', 'phone', 'identity', PLATFORM_SCOPE, 'offline_access'];

function signingKeys(db: Database): Record<string, unknown>[] {
  const json = configValue(db, 'jwks', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
    return JSON.stringify({ keys: [jwk] });
  });
  return (JSON.parse(json) as { keys: Record<string, unknown>[] }).keys;
}

export async function idpPlugin(app: FastifyInstance, opts: IdpOptions): Promise<void> {
  const { db } = opts;
  const issuer = normIssuer(opts.issuer);
  const issuerUrl = new URL(issuer);
  const mountPath = issuerUrl.pathname.replace(/\/+$/, '');
  if (app.prefix !== mountPath) {
    throw new Error(`idpPlugin: registered under prefix "${app.prefix}" but the issuer path is "${mountPath}"`);
  }
  const cssHref = `${mountPath}/assets/idp.css`;
  const sessionTtl = opts.sessionTtl ?? 8 * 3600;

  ensureAccountSchema(db);
  purgeExpired(db);
  await seedAccounts(db);
  const accounts = new AccountBook(db);

  const cookieKeys = JSON.parse(configValue(db, 'cookie_keys', () => JSON.stringify([randomBytes(32).toString('base64url')]))) as string[];
  const introspection = introspectionClient(db);

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
      client_secret: introspection.clientSecret,
      redirect_uris: [],
      grant_types: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ];
  for (const c of clientRecords) await clientAdapter.upsert(c.client_id, c, 0);
  const firstParty = new Set(opts.clients.map((c) => c.client_id));
  const clientNames = new Map(opts.clients.map((c) => [c.client_id, c.client_name ?? c.client_id]));

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
      const row = accounts.find(sub);
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
    // sharing service whose credential it holds (DB11/T 2290 6.6). The platform scope of the
    // OAuth 2.0 and CAS modes carries all of them.
    async extraTokenClaims(_ctx, token) {
      if (token.kind !== 'AccessToken' || !('accountId' in token) || typeof token.accountId !== 'string') return undefined;
      const scopes = new Set(String((token as { scope?: string }).scope ?? '').split(' '));
      const row = accounts.find(token.accountId);
      if (!row) return undefined;
      const all = claimsOf(row);
      const every = scopes.has(PLATFORM_SCOPE);
      const out: Record<string, unknown> = {};
      if (every || scopes.has('profile')) out.name = all.name;
      if (every || scopes.has('phone')) out.phone_number = all.phone_number;
      if (every || scopes.has('identity')) for (const c of IDENTITY_CLAIMS) out[c] = all[c];
      return out;
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      // A CAS sign-in's back-end token has no refresh: it lives as long as the platform session.
      AccessToken: (_ctx, token) => ((token as { gty?: string }).gty === 'cas' ? sessionTtl : opts.accessTokenTtl ?? 600),
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 30 * 60,
      Session: sessionTtl,
      Grant: sessionTtl,
      RefreshToken: sessionTtl,
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
  // Secure cookies and every URL the provider builds (discovery, redirects) follow the forwarded
  // headers, which the catch-all below pins to the configured issuer: a client's own
  // X-Forwarded-Host is never echoed back.
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

  const purgeTimer = setInterval(() => {
    purgeExpired(db);
    accounts.purgeFailures();
  }, 10 * 60 * 1000);
  purgeTimer.unref();
  app.addHook('onClose', async () => {
    clearInterval(purgeTimer);
    unwatchCredentials();
  });

  const callback = provider.callback();

  // oidc-provider parses its own bodies: this scope has no Fastify parsers and hands the raw
  // request over untouched.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
    // No endpoint here takes JSON (dynamic registration is off): refuse it unread, as OAuth does,
    // so a nested JSON body can never reach a parser in this process (issue 10, 4).
    scope.addContentTypeParser('application/json', (_req, _payload, done) => done(Object.assign(new Error('json'), { statusCode: 400 }), undefined));
    scope.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      void reply.code(status).header('cache-control', 'no-store')
        .send({ error: status === 500 ? 'server_error' : 'invalid_request', error_description: 'request body not accepted' });
    });
    scope.all('/*', { schema: { params: Type.Object({ '*': Type.String() }) } }, (req, reply) => {
      reply.hijack();
      const raw = req.raw as IncomingMessage & { originalUrl?: string };
      raw.headers['x-forwarded-host'] = issuerUrl.host;
      raw.headers['x-forwarded-proto'] = issuerUrl.protocol.slice(0, -1);
      raw.originalUrl = raw.url;
      raw.url = (raw.url ?? '/').slice(mountPath.length) || '/';
      void callback(raw, reply.raw);
    });
  });

  app.get('/assets/idp.css', { schema: { response: { 200: Type.String() } } }, (_req, reply) => {
    void reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=3600');
    return IDP_CSS;
  });

  await app.register(interactionRoutes, { provider, accounts, mountPath, cssHref, clientNames });
  if (opts.protocol === 'oauth2') await app.register(oauth2Routes, { provider, accounts });
  if (opts.protocol === 'cas') {
    await app.register(casRoutes, { provider, accounts, db, mountPath, cssHref, clients: opts.clients, clientNames, sessionTtl });
  }
}
