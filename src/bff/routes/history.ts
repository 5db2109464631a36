// GET /api/history: every authorisation the holder made here and every redemption of the holder's
// codes upstream, uses by function (6.7) included, newest first.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { HolderServices } from '../services/holder-services.ts';
import { HistoryQuerySchema, HistoryResponseSchema } from '../../contract/bff-authorisations.ts';
import { Errors } from '../../contract/error-body.ts';
import { noStoreHook, sessionOf } from './route-kit.ts';

export async function historyRoutes(parent: FastifyInstance, s: HolderServices): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/history', {
    preHandler: app.requireSession('citizen'),
    onRequest: noStoreHook,
    schema: { querystring: HistoryQuerySchema, response: { 200: HistoryResponseSchema, ...Errors } },
  }, async (req) => s.history.history(sessionOf(req), req.query.licenseCode));
}
