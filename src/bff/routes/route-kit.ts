// What many routes attach: no caching of personal data, the signed-in account, and a rate limit
// keyed on that account (unforgeable, unlike an address a counter's window shares).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import type { HolderSession } from '../fastify.d.ts';

/** Personal data: no browser or proxy cache keeps it. */
export async function noStoreHook(_req: FastifyRequest, reply: FastifyReply): Promise<void> {
  void reply.header('cache-control', 'no-store');
}

/** requireSession ran first; this only narrows the type. */
export function sessionOf(req: FastifyRequest): HolderSession {
  if (!req.session) throw new ApiError(401, 'UNAUTHENTICATED', '请先登录');
  return req.session;
}

/**
 * A route's `config` for @fastify/rate-limit: `max` calls a minute per signed-in account (`keyPrefix`
 * names the kind of account), per address only before anyone has signed in. `refusal` is the
 * sentence a 429 answers with, given the seconds to wait.
 */
export const perAccountLimit = (max: number, keyPrefix: string, refusal: (waitSeconds: number) => string) => ({
  rateLimit: {
    max,
    timeWindow: 60_000,
    keyGenerator: (req: FastifyRequest) => (req.session ? `${keyPrefix}:${req.session.sub}` : `ip:${req.ip}`),
    errorResponseBuilder: (_req: FastifyRequest, ctx: { ttl: number }) =>
      new ApiError(429, 'RATE_LIMITED', refusal(Math.max(1, Math.ceil(ctx.ttl / 1000)))),
  },
});
