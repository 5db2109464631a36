// Opens the Redis connection when REDIS_URL is set (app.redis; null otherwise, and then nothing
// of Redis is used). While Redis is unreachable, the routes that need the shared store answer a
// clear 503 with Retry-After instead of hanging or failing half-way; /readyz says why.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import type { AttemptWindows } from '../services/counter-code.ts';
import { dataCipher } from './db.ts';
import { RedisHandleStore, type HandleStore } from './handles.ts';
import { RedisConnection, STORE_RETRY_AFTER_SECONDS, storeUnavailable } from './redis.ts';
import { RedisAttemptWindows } from './redis-windows.ts';
import { RedisStreamSlots } from './redis-stream-slots.ts';
import { MemoryStreamSlots, type StreamSlots } from './stream-slots.ts';

/** Every /api and /auth request reads the session, which lives in Redis when it is set. */
const needsStore = (url: string): boolean => {
  const path = url.split('?', 1)[0] ?? '';
  return path === '/api' || path.startsWith('/api/') || path.startsWith('/auth/');
};

export async function redisPlugin(app: FastifyInstance, config: Config): Promise<void> {
  if (!config.redisUrl) {
    app.decorate('redis', null);
    return;
  }
  const redis = new RedisConnection(config.redisUrl, app.log.child({ feature: 'redis' }));
  await redis.connect();
  app.decorate('redis', redis);
  app.addHook('onRequest', async (req, reply) => {
    if (!redis.ready && needsStore(req.url)) {
      reply.header('retry-after', String(STORE_RETRY_AFTER_SECONDS));
      throw storeUnavailable();
    }
  });
  // A command that failed mid-request (Redis went away after the check above) answers the same 503.
  app.addHook('onSend', async (_req, reply) => {
    if (reply.statusCode === 503 && !redis.ready && !reply.hasHeader('retry-after')) reply.header('retry-after', String(STORE_RETRY_AFTER_SECONDS));
  });
  // Last: the feed lease and the fan-out release and unsubscribe in their own onClose hooks first.
  app.addHook('onClose', async () => redis.close());
}

/** `@fastify/rate-limit` options that put its counters in Redis (shared by every instance), or none. */
export function rateLimitStore(app: FastifyInstance): { redis?: RedisConnection['client']; nameSpace?: string } {
  return app.redis ? { redis: app.redis.client, nameSpace: 'ecert:rl:' } : {};
}

/** The counter code's attempt windows shared through Redis, or undefined for the in-memory default. */
export function sharedAttemptWindows(app: FastifyInstance): AttemptWindows | undefined {
  return app.redis ? new RedisAttemptWindows(app.redis) : undefined;
}

/** By-function handles shared through Redis, or undefined for the in-memory default. */
export function sharedHandles(app: FastifyInstance): HandleStore | undefined {
  return app.redis ? new RedisHandleStore(app.redis, dataCipher(app.bffDb)) : undefined;
}

/** The live-status streams per session counted per deployment through Redis, or in this process's memory. */
export function sharedStreamSlots(app: FastifyInstance): StreamSlots {
  return app.redis ? new RedisStreamSlots(app.redis) : new MemoryStreamSlots();
}
