// 扫码授权 (issue 15): the counter screen starts a request and polls for its result
// (/api/counter/requests), the citizen reads and answers it (/api/requests). Thin handlers; the
// rules are in services/counter-requests.ts. Writes carry the session's CSRF token like every other
// (plugins/session.ts); every route is limited per signed-in account, never per address.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import rateLimit from '@fastify/rate-limit';
import {
  CounterRequestCreateBody, CounterRequestCreatedSchema, CounterRequestStatusSchema, HolderAnswerBody, HolderRequestViewSchema, RequestIdParams,
} from '../../contract/counter-request.ts';
import { Errors } from '../../contract/error-body.ts';
import type { Config } from '../config.ts';
import { CounterRequestService } from '../services/counter-requests.ts';
import { rateLimitStore } from '../store/redis-plugin.ts';
import { counterServiceFor, limit } from './counter.ts';
import { noStoreHook, perAccountLimit, sessionOf } from './route-kit.ts';

/** Per account per minute. A counter screen polls once a second while a request is open. */
export const COUNTER_REQUEST_LIMITS = { create: 20, poll: 120, holder: 30 } as const;

const holderLimit = perAccountLimit(COUNTER_REQUEST_LIMITS.holder, 'holder', (wait) => `操作过于频繁，请 ${wait} 秒后再试`);

export async function counterRequestRoutes(parent: FastifyInstance, config: Config): Promise<void> {
  await parent.register(async (scope) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    await app.register(rateLimit, { global: false, hook: 'preHandler', ...rateLimitStore(parent) });
    const service = new CounterRequestService({
      requests: app.stores.counterRequests,
      authorisations: app.stores.authorisations,
      counter: counterServiceFor(parent, config),
      publicOrigin: config.publicOrigin,
      log: app.log,
    });
    const staffOnly = app.requireSession('counter_staff');
    const citizen = app.requireSession('citizen');

    app.post('/api/counter/requests', {
      preHandler: staffOnly, onRequest: noStoreHook, config: limit(COUNTER_REQUEST_LIMITS.create, '发起扫码授权'),
      schema: { body: CounterRequestCreateBody, response: { 200: CounterRequestCreatedSchema, ...Errors } },
    }, async (req) => service.create(sessionOf(req), req.body));

    app.get('/api/counter/requests/:id', {
      preHandler: staffOnly, onRequest: noStoreHook, config: limit(COUNTER_REQUEST_LIMITS.poll, '查询授权结果'),
      schema: { params: RequestIdParams, response: { 200: CounterRequestStatusSchema, ...Errors } },
    }, async (req) => service.forCounter(sessionOf(req), req.params.id));

    app.get('/api/requests/:id', {
      preHandler: citizen, onRequest: noStoreHook, config: holderLimit,
      schema: { params: RequestIdParams, response: { 200: HolderRequestViewSchema, ...Errors } },
    }, async (req) => service.forHolder(sessionOf(req), req.params.id));

    app.post('/api/requests/:id/answer', {
      preHandler: citizen, onRequest: noStoreHook, config: holderLimit,
      schema: { params: RequestIdParams, body: HolderAnswerBody, response: { 200: HolderRequestViewSchema, ...Errors } },
    }, async (req) => service.answer(sessionOf(req), req.params.id, req.body.authorisationId));

    app.post('/api/requests/:id/decline', {
      preHandler: citizen, onRequest: noStoreHook, config: holderLimit,
      schema: { params: RequestIdParams, response: { 200: HolderRequestViewSchema, ...Errors } },
    }, async (req) => service.decline(sessionOf(req), req.params.id));
  });
}
