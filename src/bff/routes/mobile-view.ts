// The mobile view (DB11/T 2290 6.6 view page): the holder asks for a link from a certificate's
// detail page; any phone opens it with the license_access_token, which is itself the capability.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import rateLimit from '@fastify/rate-limit';
import { rateLimitStore } from '../store/redis-plugin.ts';
import { ApiError } from '../errors.ts';
import type { HolderServices } from '../services/holder-services.ts';
import { Errors } from '../../contract/error-body.ts';
import {
  LicenseParamsSchema, MobileLicenseViewSchema, MobileViewLinkSchema, MobileViewQuerySchema,
} from '../../contract/bff-licenses.ts';
import { noStoreHook, sessionOf } from './route-kit.ts';

/** Per IP and minute: enough for a page and its reloads, too few to guess tokens. */
export const MOBILE_VIEW_RATE_LIMIT = 30;

export async function mobileViewRoutes(parent: FastifyInstance, s: HolderServices): Promise<void> {
  await parent.register(async (scope) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    await app.register(rateLimit, { global: false, hook: 'preHandler', ...rateLimitStore(parent) });

    app.post('/api/licenses/:licenseCode/mobile-view', {
      preHandler: app.requireSession('citizen'),
      onRequest: noStoreHook,
      schema: { params: LicenseParamsSchema, response: { 200: MobileViewLinkSchema, ...Errors } },
    }, async (req) => s.mobileView.link(sessionOf(req), req.params.licenseCode));

    // No session required; when there is one, the watermark names the (masked) viewer.
    app.get('/api/mobile-view', {
      onRequest: noStoreHook,
      config: {
        rateLimit: {
          max: MOBILE_VIEW_RATE_LIMIT,
          timeWindow: 60_000,
          keyGenerator: (req: FastifyRequest) => `mobile-view:${req.ip}`,
          errorResponseBuilder: () => new ApiError(429, 'RATE_LIMITED', '访问过于频繁，请稍后再试'),
        },
      },
      schema: { querystring: MobileViewQuerySchema, response: { 200: MobileLicenseViewSchema, ...Errors } },
    }, async (req) => s.mobileView.view(req.query.license_access_token, req.session?.name ?? null));
  });
}
