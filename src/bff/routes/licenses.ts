// /api/licenses: the holder's wallet, a certificate's detail, revealing its sensitive fields, and
// the service items it can be authorised for.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { HolderServices } from '../services/holder-services.ts';
import {
  LicenseDetailSchema, LicenseListResponseSchema, LicenseParamsSchema, RevealResponseSchema, ServiceItemListResponseSchema,
} from '../../contract/bff-licenses.ts';
import { Errors } from '../../contract/error-body.ts';
import { noStoreHook, sessionOf } from './route-kit.ts';

export async function licenseRoutes(parent: FastifyInstance, s: HolderServices): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const citizen = app.requireSession('citizen');
  const noStore = { onRequest: noStoreHook };

  app.get('/api/licenses', { preHandler: citizen, ...noStore, schema: { response: { 200: LicenseListResponseSchema, ...Errors } } },
    async (req) => s.holder.wallet(sessionOf(req).credential));

  app.get('/api/licenses/:licenseCode', { preHandler: citizen, ...noStore, schema: { params: LicenseParamsSchema, response: { 200: LicenseDetailSchema, ...Errors } } },
    async (req) => s.holder.detail(sessionOf(req).credential, req.params.licenseCode));

  // POST so the session plugin's CSRF guard covers it; the values never reach a log.
  app.post('/api/licenses/:licenseCode/reveal', { preHandler: citizen, ...noStore, schema: { params: LicenseParamsSchema, response: { 200: RevealResponseSchema, ...Errors } } },
    async (req) => {
      const revealed = await s.holder.reveal(sessionOf(req).credential, req.params.licenseCode);
      req.log.info({ licenseCode: req.params.licenseCode, fields: revealed.fields.map((f) => f.key) }, 'holder revealed sensitive fields');
      return revealed;
    });

  app.get('/api/licenses/:licenseCode/service-items', { preHandler: citizen, schema: { params: LicenseParamsSchema, response: { 200: ServiceItemListResponseSchema, ...Errors } } },
    async (req) => s.holder.serviceItemsFor(sessionOf(req).credential, req.params.licenseCode));
}
