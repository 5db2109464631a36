// /auth/login, /auth/callback, /auth/logout: the browser's round trip through the unified
// identity platform. Tokens stay here; the browser gets an opaque session cookie.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Config } from '../config.ts';
import { ApiError, errorBody } from '../errors.ts';
import { LoginFailedError } from '../identity/oidc.ts';
import { safeReturnTo } from '../../contract/return-to.ts';
import { LOGIN_COOKIE, type SessionContext } from '../plugins/session.ts';

/** How long the provider's login page may stay open before the callback is refused. */
const PENDING_LOGIN_SECONDS = 10 * 60;
const CALLBACK_PATH = '/auth/callback';

const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), requestId: Type.String() }),
});
const LogoutResponse = Type.Object({
  /** Where the page navigates next: the provider's end-session page, or /login. */
  redirectTo: Type.String(),
});

const LOGIN_AGAIN = '登录请求已失效或不完整，请重新登录';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** 400 for a callback we refuse: a small page for a browser, the usual JSON for everything else. */
function refuseCallback(req: FastifyRequest, reply: FastifyReply, message: string): FastifyReply {
  reply.code(400).header('cache-control', 'no-store');
  if (/text\/html/.test(req.headers.accept ?? '')) {
    const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>无法完成登录</title></head>`
      + `<body><main><h1>无法完成登录</h1><p role="alert">${escapeHtml(message)}</p><p><a href="/auth/login">重新登录</a></p></main></body></html>`;
    return reply.type('text/html; charset=utf-8').send(html);
  }
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(errorBody('BAD_REQUEST', message, req.id)));
}

export async function authRoutes(parent: FastifyInstance, config: Config, ctx: SessionContext): Promise<void> {
  const { store, rp } = ctx;

  await parent.register(async (scope) => {
    // Per client IP: login and callback are where a script would hammer the provider through us.
    await scope.register(rateLimit, {
      global: false,
      errorResponseBuilder: () => new ApiError(429, 'RATE_LIMITED', '登录尝试过于频繁，请稍后再试'),
    });
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    const limited = { rateLimit: { max: 30, timeWindow: '1 minute' } };

    app.get('/auth/login', {
      config: limited,
      schema: {
        querystring: Type.Object({ return_to: Type.Optional(Type.String({ maxLength: 4096 })) }),
        response: { 303: Type.Null(), 503: ErrorBody },
      },
    }, async (req, reply) => {
      const returnTo = safeReturnTo(req.query.return_to);
      reply.header('cache-control', 'no-store');
      // Even when signed in: the round trip is quick with a live provider session, and the
      // callback then replaces whatever session id this browser carries.
      const { url, pending } = await rp.startLogin(returnTo);
      reply.setCookie(LOGIN_COOKIE, store.putPending(pending, PENDING_LOGIN_SECONDS), ctx.cookieOptions(CALLBACK_PATH, PENDING_LOGIN_SECONDS));
      return reply.redirect(url, 303);
    });

    app.get(CALLBACK_PATH, {
      config: limited,
      schema: {
        querystring: Type.Object({
          code: Type.Optional(Type.String({ maxLength: 2048 })),
          state: Type.Optional(Type.String({ maxLength: 512 })),
          iss: Type.Optional(Type.String({ maxLength: 2048 })),
          error: Type.Optional(Type.String({ maxLength: 256 })),
          error_description: Type.Optional(Type.String({ maxLength: 2048 })),
        }),
        response: { 303: Type.Null(), 400: Type.String(), 503: ErrorBody },
      },
    }, async (req, reply) => {
      // Single use, whatever happens next: a replayed callback finds nothing.
      const pending = store.takePending(req.cookies[LOGIN_COOKIE]);
      reply.clearCookie(LOGIN_COOKIE, ctx.cookieOptions(CALLBACK_PATH));
      if (!pending || !req.query.state || req.query.state !== pending.state) {
        req.log.warn({ pending: Boolean(pending) }, 'login callback refused: unknown or mismatched state');
        return refuseCallback(req, reply, LOGIN_AGAIN);
      }
      if (req.query.error) {
        req.log.info({ error: req.query.error }, 'identity provider returned an error');
        return refuseCallback(req, reply, req.query.error === 'access_denied' ? '登录已取消' : LOGIN_AGAIN);
      }
      let result;
      try {
        result = await rp.finishLogin(req.url.slice(req.url.indexOf('?') + 1), pending);
      } catch (err) {
        if (err instanceof LoginFailedError) return refuseCallback(req, reply, LOGIN_AGAIN);
        throw err;
      }
      // No fixation: whatever session this browser had is gone; the new one has a new id.
      if (req.session) store.destroy(req.session.id);
      const { cookieValue, session } = store.create(result.identity, result.tokens);
      ctx.setSessionCookie(reply, cookieValue);
      req.log.info({ role: session.role }, 'signed in');
      reply.header('cache-control', 'no-store');
      return reply.redirect(pending.returnTo, 303);
    });
  });

  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  // POST only, CSRF-checked by the session plugin: a cross-site page cannot sign the holder out.
  app.post('/auth/logout', { schema: { response: { 200: LogoutResponse } } }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    ctx.clearSessionCookie(reply);
    const afterLogout = `${config.publicOrigin}/login`;
    const session = req.session;
    if (!session) return { redirectTo: '/login' };
    const secrets = store.secrets(session.id);
    store.destroy(session.id);
    req.session = null;
    req.log.info('signed out');
    if (secrets?.refreshToken) await rp.revoke(secrets.refreshToken);
    const endSession = await rp.endSessionUrl(afterLogout);
    return { redirectTo: endSession ?? '/login' };
  });
}
