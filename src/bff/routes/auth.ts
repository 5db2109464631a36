// /auth/login, /auth/callback, /auth/logout: the browser's round trip through the unified
// identity platform, in whichever protocol it speaks. Tokens stay here; the browser gets an
// opaque session cookie. A sign-in that fails ends on /login?error=<code> (docs/decisions.md).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { LoginQuerySchema, LogoutResponseSchema } from '../../contract/bff-session.ts';
import { safeReturnTo } from '../../contract/return-to.ts';
import type { Config } from '../config.ts';
import { ApiError } from '../errors.ts';
import { CALLBACK_PATH, LoginFailedError, type LoginErrorCode } from '../identity/index.ts';
import { LOGIN_COOKIE, type SessionContext } from '../plugins/session.ts';
import { ErrorBody } from '../../contract/error-body.ts';
import { rateLimitStore } from '../store/redis-plugin.ts';

/** How long the platform's login page may stay open before the callback is refused. */
const PENDING_LOGIN_SECONDS = 10 * 60;
/** A CAS logoutRequest is well under 2 KB. */
const LOGOUT_REQUEST_BYTES = 16 * 1024;

/** Back to our login page, which explains `error` in the holder's language. */
function refuse(reply: FastifyReply, code: LoginErrorCode, opts: { returnTo?: string; claim?: string } = {}): FastifyReply {
  const params = new URLSearchParams({ error: code });
  if (opts.claim) params.set('claim', opts.claim);
  if (opts.returnTo && opts.returnTo !== '/') params.set('return_to', opts.returnTo);
  reply.header('cache-control', 'no-store');
  return reply.redirect(`/login?${params.toString()}`, 303);
}

function logRefusal(req: FastifyRequest, err: LoginFailedError): void {
  // `detail` is a field name or a protocol error code, never a value from the platform's answer.
  req.log.warn({ loginError: err.code, detail: err.detail }, 'sign-in refused');
}

export async function authRoutes(parent: FastifyInstance, config: Config, ctx: SessionContext): Promise<void> {
  const { store, idp } = ctx;

  await parent.register(async (scope) => {
    // Per client IP: login and callback are where a script would hammer the platform through us.
    await scope.register(rateLimit, {
      global: false,
      ...rateLimitStore(parent),
      errorResponseBuilder: () => new ApiError(429, 'RATE_LIMITED', '登录尝试过于频繁，请稍后再试'),
    });
    // The platform's single-logout POST is a form; nothing else here takes a body.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: LOGOUT_REQUEST_BYTES }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    const limited = { rateLimit: { max: 30, timeWindow: '1 minute' } };

    app.get('/auth/login', {
      config: limited,
      schema: {
        querystring: LoginQuerySchema,
        response: { 303: Type.Null() },
      },
    }, async (req, reply) => {
      const returnTo = safeReturnTo(req.query.return_to);
      reply.header('cache-control', 'no-store');
      // Even when signed in: the round trip is quick with a live platform session, and the
      // callback then replaces whatever session id this browser carries.
      let started;
      try {
        started = await idp.startLogin(returnTo);
      } catch (err) {
        if (err instanceof ApiError && err.statusCode === 503) return refuse(reply, 'provider', { returnTo });
        throw err;
      }
      reply.setCookie(LOGIN_COOKIE, await store.putPending(started.pending, PENDING_LOGIN_SECONDS, req.ip), ctx.cookieOptions(CALLBACK_PATH, PENDING_LOGIN_SECONDS));
      return reply.redirect(started.url, 303);
    });

    app.get(CALLBACK_PATH, {
      config: limited,
      schema: {
        querystring: Type.Object({
          code: Type.Optional(Type.String({ maxLength: 2048 })),
          ticket: Type.Optional(Type.String({ maxLength: 2048 })),
          state: Type.Optional(Type.String({ maxLength: 512 })),
          iss: Type.Optional(Type.String({ maxLength: 2048 })),
          error: Type.Optional(Type.String({ maxLength: 256 })),
          error_description: Type.Optional(Type.String({ maxLength: 2048 })),
        }),
        response: { 303: Type.Null() },
      },
    }, async (req, reply) => {
      // Single use, whatever happens next: a replayed callback finds nothing.
      const pending = await store.takePending(req.cookies[LOGIN_COOKIE]);
      reply.clearCookie(LOGIN_COOKIE, ctx.cookieOptions(CALLBACK_PATH));
      if (!pending || !req.query.state || req.query.state !== pending.state) {
        req.log.warn({ pending: Boolean(pending) }, 'login callback refused: unknown or mismatched state');
        return refuse(reply, 'expired');
      }
      const { returnTo } = pending;
      if (req.query.error) {
        req.log.info({ error: req.query.error }, 'identity platform returned an error');
        return refuse(reply, req.query.error === 'access_denied' ? 'cancelled' : 'provider', { returnTo });
      }
      let result;
      try {
        result = await idp.finishLogin(req.query, pending);
      } catch (err) {
        if (err instanceof LoginFailedError) {
          logRefusal(req, err);
          return refuse(reply, err.code, { returnTo, ...(err.code === 'claims' ? { claim: err.detail } : {}) });
        }
        if (err instanceof ApiError && err.statusCode === 503) return refuse(reply, 'provider', { returnTo });
        throw err;
      }
      // No fixation: whatever session this browser had is gone; the new one has a new id.
      if (req.session) await store.destroy(req.session.id);
      const { cookieValue, session } = await store.create(result.identity, result.tokens);
      if (result.logoutIndex) await ctx.logoutIndex.remember(result.logoutIndex, session.id, session.absoluteExpiresAt);
      ctx.setSessionCookie(reply, cookieValue);
      req.log.info({ role: session.role, protocol: idp.protocol }, 'signed in');
      reply.header('cache-control', 'no-store');
      return reply.redirect(returnTo, 303);
    });

    // CAS single logout: the platform POSTs a logoutRequest naming the ticket to the service URL.
    // Only the platform and the holder ever saw that ticket, so naming it is the proof.
    if (idp.protocol === 'cas') {
      app.post(CALLBACK_PATH, {
        config: { rateLimit: { max: 120, timeWindow: '1 minute' } },
        schema: {
          querystring: Type.Object({ state: Type.Optional(Type.String({ maxLength: 512 })) }),
          body: Type.Object({ logoutRequest: Type.String({ maxLength: LOGOUT_REQUEST_BYTES }) }),
          response: { 200: Type.Null(), 400: ErrorBody },
        },
      }, async (req, reply) => {
        const index = idp.singleLogoutIndex(req.body);
        if (!index) throw new ApiError(400, 'BAD_REQUEST', '注销请求格式不正确');
        const sessionId = await ctx.logoutIndex.take(index);
        if (sessionId) await store.destroy(sessionId);
        req.log.info({ ended: Boolean(sessionId) }, 'single logout from the identity platform');
        return reply.code(200).send(null);
      });
    }
  });

  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  // POST only, CSRF-checked by the session plugin: a cross-site page cannot sign the holder out.
  app.post('/auth/logout', { schema: { response: { 200: LogoutResponseSchema } } }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    ctx.clearSessionCookie(reply);
    const afterLogout = `${config.publicOrigin}/login`;
    const session = req.session;
    if (!session) return { redirectTo: '/login' };
    const secrets = await store.secrets(session.id);
    await store.destroy(session.id);
    req.session = null;
    req.log.info('signed out');
    if (secrets?.refreshToken) await idp.revoke(secrets.refreshToken);
    const endSession = await idp.endSessionUrl(afterLogout);
    return { redirectTo: endSession ?? '/login' };
  });
}
