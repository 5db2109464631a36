// What a request body may cost us. Every BFF route gets a body limit that fits what it accepts (a
// few hundred bytes of JSON at most today), and JSON nesting is counted on the bytes as they
// arrive, before JSON.parse, so neither a huge body nor a `[[[…` bomb can hold the event loop
// (issue 10, finding 4).
import fp from 'fastify-plugin';
import { Transform } from 'node:stream';
import type { FastifyInstance, preParsingAsyncHookHandler } from 'fastify';
import { JsonDepthCounter } from '../../contract/json-depth.ts';
import { ApiError } from '../errors.ts';

/** A route with a body schema; routes may declare their own `bodyLimit` when they need more. */
export const BODY_LIMIT_BYTES = 4096;
/** A route without one (logout, GETs): any body is noise. */
export const NO_BODY_LIMIT_BYTES = 1024;
/** The BFF's own paths; the sandbox, mounted beside it in one process, guards its own. */
const OWN_PATHS = /^\/(api|auth)(\/|$)/;

/** Stops reading a JSON body at the first byte nested deeper than MAX_JSON_DEPTH. */
const countJsonDepth: preParsingAsyncHookHandler = async (req, _reply, payload) => {
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(req.headers['content-type'] ?? '')) return payload;
  const counter = new JsonDepthCounter();
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      if (counter.push(chunk)) next(new ApiError(400, 'BAD_REQUEST', '请求内容嵌套层级过深，无法处理'));
      else next(null, chunk);
    },
  });
  // When the body is refused unread (too large), nobody consumes this stream: its error must not crash us.
  counted.on('error', () => undefined);
  return payload.pipe(counted);
};

async function bodyGuard(app: FastifyInstance): Promise<void> {
  app.addHook('onRoute', (route) => {
    if (!OWN_PATHS.test(route.url ?? '')) return;
    route.bodyLimit ??= route.schema?.body ? BODY_LIMIT_BYTES : NO_BODY_LIMIT_BYTES;
    const own = route.preParsing;
    route.preParsing = [countJsonDepth, ...(own === undefined ? [] : Array.isArray(own) ? own : [own])];
  });
}

export const bodyGuardPlugin = fp(bodyGuard, { name: 'body-guard', fastify: '5.x' });
