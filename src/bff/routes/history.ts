// GET /api/history: every authorisation the holder made here and every redemption of the holder's
// codes upstream, uses by function (6.7) included, newest first.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { HolderServices } from '../services/holder-services.ts';
import { RedemptionSchema } from './authorisations.ts';
import { Errors } from '../../contract/error-body.ts';
import { LicenseCodeParam, noStoreHook, Nullable, sessionOf } from './licenses.ts';

const HistorySchema = Type.Object({
  entries: Type.Array(Type.Object({
    kind: Type.Union([Type.Literal('authorisation'), Type.Literal('redemption')]),
    at: Type.String(),
    licenseCode: Type.String(),
    licenseName: Type.String(),
    serviceItemName: Nullable(Type.String()),
    orgName: Nullable(Type.String()),
    redemption: Type.Optional(RedemptionSchema),
    authorisation: Type.Optional(Type.Object({
      id: Type.String(),
      status: Type.Union([Type.Literal('active'), Type.Literal('used'), Type.Literal('expired'), Type.Literal('revoked')]),
      expiresAt: Type.String(),
    })),
    byFunction: Type.Boolean(),
    uses: Type.Optional(Type.Array(RedemptionSchema)),
    ownView: Type.Optional(Type.Boolean()),
  })),
  usesReported: Type.Boolean(),
});

export async function historyRoutes(parent: FastifyInstance, s: HolderServices): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/history', {
    preHandler: app.requireSession('citizen'),
    onRequest: noStoreHook,
    schema: { querystring: Type.Object({ licenseCode: Type.Optional(LicenseCodeParam) }), response: { 200: HistorySchema, ...Errors } },
  }, async (req) => s.history.history(sessionOf(req), req.query.licenseCode));
}
