// /api/counter/*: counter staff redeem a usage code (DB11/T 2290 6.6) and verify by function
// (6.7) through the counter's own access system. Thin handlers; the logic is in services/counter.ts.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import rateLimit from '@fastify/rate-limit';
import { rateLimitStore, sharedAttemptWindows, sharedHandles } from '../store/redis-plugin.ts';
import { Type } from 'typebox';
import { isValidResidentId } from '../../contract/counter.ts';
import {
  CounterByFunctionRequestSchema, CounterByFunctionResponseSchema, CounterRedeemRequestSchema, CounterRedemptionSchema,
  CounterServiceItemsResponseSchema,
} from '../../contract/bff-counter.ts';
import type { Config } from '../config.ts';
import { ApiError } from '../errors.ts';
import { CounterService } from '../services/counter.ts';
import { CounterRecipientCheck } from '../services/counter-recipient.ts';
import { dataCipher } from '../store/db.ts';
import { CounterCodes } from '../services/counter-code.ts';
import { Errors } from '../../contract/error-body.ts';
import { perAccountLimit, sessionOf } from './route-kit.ts';

/** Per staff member, per minute: a window scans one citizen at a time; a loop or a script does not. */
export const COUNTER_RATE_LIMITS = { redeem: 30, archive: 30, byFunction: 10 } as const;

/** A counter action's limit: per staff member, with what was refused in the message. */
export const limit = (max: number, what: string) =>
  perAccountLimit(max, 'staff', (wait) => `${what}过于频繁：每位工作人员每分钟最多 ${max} 次，请 ${wait} 秒后再试`);

const services = new WeakMap<object, CounterService>();

/** One counter service per app (its caches and handles), shared by the redeem routes and counter requests. */
export function counterServiceFor(app: FastifyInstance, config: Config): CounterService {
  let service = services.get(app.bffDb);
  if (!service) {
    service = new CounterService({
      upstream: app.counterUpstream, resultClearSeconds: config.counterResultClearSeconds, log: app.log,
      recipient: new CounterRecipientCheck(app.stores.authorisations),
      counterCodes: new CounterCodes(dataCipher(app.bffDb), app.stores.liveCodes, Date.now, sharedAttemptWindows(app)),
      audit: app.stores.counterAudit,
      handles: sharedHandles(app),
    });
    services.set(app.bffDb, service);
  }
  return service;
}

export async function counterRoutes(parent: FastifyInstance, config: Config): Promise<void> {
  await parent.register(async (scope) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    // Only routes that ask for it are limited; the key is the staff member, not the shared window IP.
    await app.register(rateLimit, { global: false, hook: 'preHandler', ...rateLimitStore(parent) });
    const service = counterServiceFor(parent, config);
    const staffOnly = app.requireSession('counter_staff');

    app.get('/api/counter/service-items', {
      preHandler: staffOnly,
      schema: { response: { 200: CounterServiceItemsResponseSchema, ...Errors } },
    }, async (req) => service.serviceItems(sessionOf(req)));

    app.post('/api/counter/redeem', {
      preHandler: staffOnly,
      config: limit(COUNTER_RATE_LIMITS.redeem, '核验'),
      schema: { body: CounterRedeemRequestSchema, response: { 200: CounterRedemptionSchema, ...Errors } },
    }, async (req, reply) => {
      void reply.header('cache-control', 'no-store');
      return service.redeem(sessionOf(req), req.body);
    });

    // POST, not GET: the usage code stays out of URLs, browser history and access logs.
    app.post('/api/counter/archive', {
      preHandler: staffOnly,
      config: limit(COUNTER_RATE_LIMITS.archive, '下载归档文件'),
      schema: { body: CounterRedeemRequestSchema, response: { 200: Type.Unknown(), ...Errors } },
    }, async (req, reply) => {
      const { fileName, data } = await service.archive(sessionOf(req), req.body);
      const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
      return reply
        .type('application/pdf')
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`)
        .send(data);
    });

    app.post('/api/counter/by-function', {
      preHandler: staffOnly,
      config: limit(COUNTER_RATE_LIMITS.byFunction, '依职能查询'),
      schema: { body: CounterByFunctionRequestSchema, response: { 200: CounterByFunctionResponseSchema, ...Errors } },
    }, async (req, reply) => {
      if (!isValidResidentId(req.body.identityNumber)) throw new ApiError(400, 'BAD_REQUEST', '身份证号码校验不通过，请核对后重新输入');
      void reply.header('cache-control', 'no-store');
      return service.byFunction(sessionOf(req), req.body);
    });
  });
}
