// Every error a BFF route throws leaves in the one envelope (contract/error-body.ts): our own
// ApiError as it is, an upstream refusal mapped, a schema failure as BAD_REQUEST, anything else
// without its stack or message. Registered first, so it covers every part after it. Every 503
// leaves with Retry-After, whichever part answered it: "unavailable" always means "come back".
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { ApiError, UNAVAILABLE_RETRY_AFTER_SECONDS, errorBody } from '../errors.ts';
import { UpstreamError, upstreamErrorToApiError } from '../upstream/errors.ts';

export const errorEnvelopePlugin = fp(async (app: FastifyInstance) => {
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (reply.statusCode === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    done(null, payload);
  });
  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    if (err instanceof ApiError) {
      return reply.code(err.statusCode).send(errorBody(err.code, err.message, req.id));
    }
    if (err instanceof UpstreamError) {
      const mapped = upstreamErrorToApiError(err);
      req.log.warn({ upstreamCode: err.code }, 'upstream refusal not handled by the route');
      return reply.code(mapped.statusCode).send(errorBody(mapped.code, mapped.message, req.id));
    }
    if (err.validation) {
      return reply.code(400).send(errorBody('BAD_REQUEST', `请求参数不正确：${err.message}`, req.id));
    }
    const status = err.statusCode ?? 500;
    if (status === 429) return reply.code(429).send(errorBody('RATE_LIMITED', '操作过于频繁，请稍后再试', req.id));
    if (status === 413) return reply.code(413).send(errorBody('BAD_REQUEST', '请求内容过大，无法处理', req.id));
    if (status >= 400 && status < 500) {
      return reply.code(status).send(errorBody(status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', '请求无法处理，请检查后重试', req.id));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send(errorBody('INTERNAL', '系统繁忙，请稍后再试', req.id));
  });
}, { name: 'error-envelope', fastify: '5.x' });
