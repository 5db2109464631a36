// Living inside portals' iframes (issue 12): what the framed app and the host SDK need from the BFF.
//
//   GET  /api/embed/config   the origins that may frame us (the page checks its host against them)
//   POST /api/embed/handoff  in the signed-in popup: moves its session into a one-time hand-off
//   POST /api/embed/session  in the frame: redeems code + secret, gets its own partitioned cookie
//   GET  /embed.js, /embed.d.ts  the host SDK, loadable by <script> from any portal origin
//
// Why a hand-off and not the Storage Access API: docs/decisions.md, "Signing in inside a frame".
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { EMBED_SDK_VERSION } from '../../contract/embed.ts';
import {
  EmbedConfigSchema, EmbedHandoffRequestSchema, EmbedHandoffResponseSchema, EmbedSessionRequestSchema,
} from '../../contract/bff-embed.ts';
import { SessionInfoSchema } from '../../contract/bff-session.ts';
import type { Config } from '../config.ts';
import { ApiError } from '../errors.ts';
import type { SessionContext } from '../plugins/session.ts';
import { RedisEmbedHandoffStore, SqliteEmbedHandoffStore, type EmbedHandoffStore } from '../store/embed-handoffs.ts';
import { rateLimitStore } from '../store/redis-plugin.ts';
import type { StoredSession } from '../store/sessions.ts';
import { sessionInfo } from './session.ts';
import { ErrorBody } from '../../contract/error-body.ts';

/** Long enough for the popup to post and the frame to redeem; short enough to be useless later. */
const HANDOFF_SECONDS = 60;
const PURGE_INTERVAL_MS = 5 * 60 * 1000;

const handoffFailed = (): ApiError => new ApiError(400, 'BAD_REQUEST', '登录交接已失效，请重新登录');

export interface EmbedHandoffOptions {
  config: Config;
  sessions: SessionContext;
}

/** Only our own pages may ask: a browser says where a request comes from in Sec-Fetch-Site. */
function requireSameOrigin(req: FastifyRequest): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') throw new ApiError(403, 'CSRF_FAILED', '请求来源不正确，请刷新页面后重试');
}

async function embedHandoff(parent: FastifyInstance, { config, sessions }: EmbedHandoffOptions): Promise<void> {
  // The popup and the frame may reach different instances: with REDIS_URL the hand-off is in Redis.
  const handoffs: EmbedHandoffStore = parent.redis ? new RedisEmbedHandoffStore(parent.redis) : new SqliteEmbedHandoffStore(parent.bffDb);
  const purge = setInterval(() => {
    handoffs.purgeExpired().catch((err: unknown) => parent.log.warn({ err }, 'embed hand-off purge failed'));
  }, PURGE_INTERVAL_MS);
  purge.unref();
  parent.addHook('onClose', async () => clearInterval(purge));

  parent.withTypeProvider<TypeBoxTypeProvider>().get('/api/embed/config', {
    schema: { response: { 200: EmbedConfigSchema } },
  }, async (_req, reply) => {
    reply.header('cache-control', 'no-cache');
    return { allowedOrigins: config.frameAncestors, sdkVersion: EMBED_SDK_VERSION };
  });

  await parent.register(async (scope) => {
    await scope.register(rateLimit, {
      global: false,
      ...rateLimitStore(parent),
      errorResponseBuilder: () => new ApiError(429, 'RATE_LIMITED', '登录尝试过于频繁，请稍后再试'),
    });
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();

    app.post('/api/embed/handoff', {
      // Per session: only a signed-in popup gets here, and its session id cannot be forged.
      config: { rateLimit: { max: 10, timeWindow: '1 minute', keyGenerator: (req: FastifyRequest) => req.session?.id ?? 'none' } },
      preHandler: app.requireSession(),
      schema: {
        body: EmbedHandoffRequestSchema,
        response: { 200: EmbedHandoffResponseSchema, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
      },
    }, async (req, reply) => {
      requireSameOrigin(req);
      reply.header('cache-control', 'no-store');
      const source = req.session as StoredSession;
      const secrets = await sessions.store.secrets(source.id);
      // Moved, not copied: one refresh token must never serve two sessions.
      const { cookieValue } = await sessions.store.create(
        {
          sub: source.sub,
          name: source.name,
          identityType: source.identityType,
          identityNum: source.identityNum,
          role: source.role,
          ...(source.orgName ? { orgName: source.orgName } : {}),
          ...(source.orgCode ? { orgCode: source.orgCode } : {}),
        },
        {
          credential: source.credential,
          credentialExpiresAt: source.credentialExpiresAt,
          refreshToken: secrets?.refreshToken ?? null,
          idToken: secrets?.idToken ?? null,
        },
      );
      await sessions.store.destroy(source.id);
      sessions.clearSessionCookie(reply);
      req.session = null;
      const { code, expiresAt } = await handoffs.put(req.body.nonce, cookieValue, HANDOFF_SECONDS);
      req.log.info('embed sign-in handed off to a frame');
      return { code, expiresAt: new Date(expiresAt).toISOString() };
    });

    app.post('/api/embed/session', {
      // Per connection peer (not X-Forwarded-For, which a client writes): codes are 256-bit, so
      // this only bounds the work a flood can cause.
      config: { rateLimit: { max: 60, timeWindow: '1 minute', keyGenerator: (req: FastifyRequest) => req.socket.remoteAddress ?? 'unknown' } },
      schema: {
        body: EmbedSessionRequestSchema,
        response: { 200: SessionInfoSchema, 400: ErrorBody, 403: ErrorBody, 429: ErrorBody },
      },
    }, async (req, reply) => {
      requireSameOrigin(req);
      reply.header('cache-control', 'no-store');
      const cookieValue = await handoffs.take(req.body.code, req.body.secret);
      const session = cookieValue ? await sessions.store.find(cookieValue) : null;
      if (!cookieValue || !session) {
        req.log.warn('embed hand-off refused: unknown, expired or mismatched');
        throw handoffFailed();
      }
      // No fixation: whatever session this frame carried is gone.
      if (req.session && req.session.id !== session.id) await sessions.store.destroy(req.session.id);
      sessions.setSessionCookie(reply, cookieValue);
      req.log.info({ role: session.role }, 'signed in inside a frame');
      return sessionInfo(session);
    });
  });

  // The SDK is a classic script another origin loads: CORP must allow that (helmet's default
  // same-origin would make the portal's browser refuse it), and no CORS is involved.
  const sdkFile = (name: string) => resolve(config.webDist, name);
  const serveSdk = (name: string, type: string) => async (_req: FastifyRequest, reply: FastifyReply) => {
    let body: Buffer;
    try {
      body = await readFile(sdkFile(name));
    } catch {
      throw new ApiError(404, 'NOT_FOUND', '请求的地址不存在');
    }
    return reply
      .header('cross-origin-resource-policy', 'cross-origin')
      // A stable URL hosts paste once: five minutes fresh, then revalidated, so a fix spreads within minutes.
      .header('cache-control', 'public, max-age=300, stale-while-revalidate=3600')
      .type(type)
      .send(body);
  };
  parent.get('/embed.js', serveSdk('embed.js', 'text/javascript; charset=utf-8'));
  parent.get('/embed.d.ts', serveSdk('embed.d.ts', 'text/plain; charset=utf-8'));
}

export const embedHandoffPlugin = fp(embedHandoff, { name: 'embed-handoff' });
