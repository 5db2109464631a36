// The answer of a route whose shared store (Redis or PostgreSQL, issue 13) is unreachable: a clear
// 503 in the one envelope, with Retry-After, never a 500 and never a hang. The code is the one the
// page already treats as "try again shortly" (docs/decisions.md, "Losing PostgreSQL").
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';

/** Seconds a client is told to wait when a store is down: about one reconnect attempt. */
export const STORE_RETRY_AFTER_SECONDS = 5;

export class StoreUnavailableError extends ApiError {
  constructor() {
    super(503, 'UPSTREAM_UNAVAILABLE', '服务暂时不可用，请稍后再试');
    this.name = 'StoreUnavailableError';
  }
}

export const storeUnavailable = (): StoreUnavailableError => new StoreUnavailableError();

/** Every answer made from a StoreUnavailableError carries Retry-After (the envelope plugin writes the body). */
export function retryAfterOnStoreLoss(app: FastifyInstance): void {
  app.addHook('onError', async (_req, reply, err) => {
    if (err instanceof StoreUnavailableError) reply.header('retry-after', String(STORE_RETRY_AFTER_SECONDS));
  });
}
