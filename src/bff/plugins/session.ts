// The holder's session on every /api and /auth request: finds it from the opaque cookie, keeps its
// credential fresh, slides the idle timeout, guards writes against CSRF, and offers
// app.requireSession(...roles) to routes (fastify.d.ts).
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CookieSerializeOptions } from '@fastify/cookie';
import { CSRF_HEADER, type Role } from '../../contract/bff.ts';
import type { Config } from '../config.ts';
import { ApiError } from '../errors.ts';
import { createIdentityAdapter, type IdentityAdapter } from '../identity/index.ts';
import { RedisLogoutIndex, SqliteLogoutIndex, type LogoutIndex } from '../identity/logout-index.ts';
import { dataCipher } from '../store/db.ts';
import type { SessionStore, StoredSession } from '../store/sessions.ts';
import { SqliteSessionStore } from '../store/sessions-sqlite.ts';
import { RedisSessionStore } from '../store/sessions-redis.ts';

export const SESSION_COOKIE = 'ecert_sid';
/** Binds a login in progress to the browser that started it (login CSRF). */
export const LOGIN_COOKIE = 'ecert_login';

/** Refresh the credential this long before the provider says it expires. */
export const REFRESH_MARGIN_MS = 2 * 60 * 1000;
const PURGE_INTERVAL_MS = 5 * 60 * 1000;
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface SessionContext {
  store: SessionStore;
  /** The unified identity platform, in whichever protocol IDP_PROTOCOL names. */
  idp: IdentityAdapter;
  /** Sign-ins a platform's single logout can name (CAS tickets). */
  logoutIndex: LogoutIndex;
  /** Cookie attributes for our cookies: HttpOnly, Secure on https, SameSite per COOKIE_SAMESITE. */
  cookieOptions(path: string, maxAgeSeconds?: number): CookieSerializeOptions;
  setSessionCookie(reply: FastifyReply, cookieValue: string): void;
  clearSessionCookie(reply: FastifyReply): void;
}

/** A renewal that failed for a transient reason after the credential ran out. */
const RENEWAL_PENDING = Symbol('renewal pending');
type RenewalPending = typeof RENEWAL_PENDING;
// 503: the error envelope adds Retry-After to every 503 (plugins/error-envelope.ts).
const renewalPending = (): ApiError => new ApiError(503, 'UPSTREAM_UNAVAILABLE', '统一身份认证平台暂时无法续期登录状态，请稍后再试');

const csrfFailed = (): ApiError => new ApiError(403, 'CSRF_FAILED', '页面已过期或请求来源不正确，请刷新页面后重试');

function sameToken(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export async function sessionPlugin(app: FastifyInstance, config: Config): Promise<SessionContext> {
  // With REDIS_URL every instance shares sessions and logins in progress; without, the SQLite file.
  const store: SessionStore = app.redis
    ? new RedisSessionStore(app.redis, dataCipher(app.bffDb), config.session)
    : new SqliteSessionStore(app.bffDb, config.session);
  const idp = createIdentityAdapter(config, app.log);
  const none = config.session.sameSite === 'none';
  // A third-party (iframe) cookie must be Secure; browsers treat localhost as a secure context.
  const secure = config.publicOrigin.startsWith('https:') || none;
  const ownOrigin = config.publicOrigin;

  const cookieOptions = (path: string, maxAgeSeconds?: number): CookieSerializeOptions => ({
    path,
    httpOnly: true,
    secure,
    sameSite: none ? 'none' : 'lax',
    ...(none ? { partitioned: true } : {}),
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  });
  const ctx: SessionContext = {
    store,
    idp,
    logoutIndex: app.redis ? new RedisLogoutIndex(app.redis) : new SqliteLogoutIndex(app.bffDb),
    cookieOptions,
    setSessionCookie: (reply, value) => void reply.setCookie(SESSION_COOKIE, value, cookieOptions('/', config.session.absoluteSeconds)),
    clearSessionCookie: (reply) => void reply.clearCookie(SESSION_COOKIE, cookieOptions('/')),
  };

  // One refresh per session at a time: a page firing five calls must not spend the refresh token five times.
  const refreshing = new Map<string, Promise<StoredSession | null | RenewalPending>>();
  const refreshOnce = (s: StoredSession): Promise<StoredSession | null | RenewalPending> => {
    let p = refreshing.get(s.id);
    if (!p) {
      p = refreshCredential(s).finally(() => refreshing.delete(s.id));
      refreshing.set(s.id, p);
    }
    return p;
  };

  /**
   * The session with a fresh credential; null only when the provider refused the renewal for good
   * (invalid_grant: expired or revoked). A transient failure (timeout, network, 5xx, overload)
   * never ends the session: the old credential carries on while it lasts, then RenewalPending.
   */
  async function refreshCredential(s: StoredSession): Promise<StoredSession | null | RenewalPending> {
    const refreshToken = (await store.secrets(s.id))?.refreshToken;
    const stillValid = s.credentialExpiresAt > Date.now();
    if (!refreshToken) return stillValid ? s : null;
    let tokens;
    try {
      tokens = await idp.refresh(refreshToken);
    } catch (err) {
      app.log.warn({ err }, 'credential renewal failed for a transient reason; the session is kept');
      return stillValid ? s : RENEWAL_PENDING;
    }
    if (!tokens) return null;
    await store.updateTokens(s.id, tokens);
    return { ...s, credential: tokens.credential, credentialExpiresAt: tokens.credentialExpiresAt };
  }

  app.decorateRequest('session', null);

  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?', 1)[0] ?? '';
    const isApi = path === '/api' || path.startsWith('/api/');
    if (!isApi && !path.startsWith('/auth/')) return;

    const raw = req.cookies[SESSION_COOKIE];
    let session = raw ? await store.find(raw) : null;
    if (raw && !session) ctx.clearSessionCookie(reply);
    if (session && session.credentialExpiresAt - Date.now() < REFRESH_MARGIN_MS) {
      const current = session;
      const renewed = await refreshOnce(current);
      if (renewed === RENEWAL_PENDING) {
        // The credential has run out and the provider could not renew it just now: the holder
        // stays signed in and is asked to come back shortly. Sign-out (/auth/*) goes ahead.
        if (isApi) throw renewalPending();
        session = current;
      } else if (!renewed) {
        session = null;
        await store.destroy(current.id);
        ctx.clearSessionCookie(reply);
        req.log.info('session ended: the identity provider no longer renews its credential');
      } else {
        session = renewed;
      }
    }

    if (UNSAFE.has(req.method) && (isApi || path === '/auth/logout')) {
      // Defence in depth next to the token: a browser names the page's origin on cross-site writes.
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== ownOrigin) throw csrfFailed();
      const referer = req.headers.referer;
      if (origin === undefined && referer !== undefined && !referer.startsWith(`${ownOrigin}/`) && referer !== ownOrigin) throw csrfFailed();
      if (session) {
        const sent = req.headers[CSRF_HEADER];
        if (typeof sent !== 'string' || !sameToken(sent, session.csrfToken)) throw csrfFailed();
      }
    }

    if (session) {
      await store.touch(session);
      req.session = session;
    }
  });

  app.decorate('requireSession', (...roles: Role[]) => async (req: FastifyRequest) => {
    if (!req.session) throw new ApiError(401, 'UNAUTHENTICATED', '请先登录');
    if (roles.length > 0 && !roles.includes(req.session.role)) throw new ApiError(403, 'FORBIDDEN', '当前账号无权访问该功能');
  });

  const purge = setInterval(() => {
    store.purgeExpired().then(
      (n) => n > 0 && app.log.debug({ sessions: n }, 'expired sessions purged'),
      (err: unknown) => app.log.warn({ err }, 'session purge failed'),
    );
  }, PURGE_INTERVAL_MS);
  purge.unref();
  app.addHook('onClose', async () => clearInterval(purge));

  return ctx;
}
