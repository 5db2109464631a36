// /api/licenses: the holder's wallet, a certificate's detail, revealing its sensitive fields, and
// the service items it can be authorised for; and the schema pieces the other holder routes share.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from 'typebox';
import { ApiError } from '../errors.ts';
import type { HolderSession } from '../fastify.d.ts';
import type { HolderServices } from '../services/holder-services.ts';
import { CertificateStateSchema } from '../../contract/certificate-validity.ts';
import { Errors } from '../../contract/error-body.ts';


export const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const LicenseStateSchema = CertificateStateSchema;
const LicenseTypeSchema = Type.Union([
  Type.Literal('CERTIFICATE'), Type.Literal('PROOF'), Type.Literal('APPROVAL'), Type.Literal('REPORT'), Type.Literal('RESULT'),
]);

/** license_code as the upstream makes it; bounded so a path cannot carry anything else. */
export const LicenseCodeParam = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z._-]+$' });
const LicenseParams = Type.Object({ licenseCode: LicenseCodeParam });

const cardProps = {
  licenseCode: Type.String(),
  licenseItemCode: Type.String(),
  name: Type.String(),
  licenseType: LicenseTypeSchema,
  issueOrgName: Type.String(),
  idCode: Type.String(),
  beginDate: Nullable(Type.String()),
  expiryDate: Nullable(Type.String()),
  state: LicenseStateSchema,
  daysLeft: Nullable(Type.Integer()),
};
export const LicenseCardSchema = Type.Object(cardProps);
const LicenseListSchema = Type.Object({ licenses: Type.Array(LicenseCardSchema) });

const LicenseFieldSchema = Type.Object({ key: Type.String(), name: Type.String(), value: Type.String(), sensitive: Type.Boolean(), masked: Type.Boolean() });
/** LicenseDetail without replacedBy (the mobile view's license). */
export const detailProps = {
  ...cardProps,
  holderMaskedName: Type.String(),
  issueOrgCode: Type.String(),
  issueDate: Nullable(Type.String()),
  division: Type.String(),
  fields: Type.Array(LicenseFieldSchema),
  abolishReason: Nullable(Type.String()),
};
const LicenseDetailSchema = Type.Object({ ...detailProps, replacedBy: Nullable(Type.String()) });
const RevealSchema = Type.Object({ fields: Type.Array(Type.Object({ key: Type.String(), value: Type.String() })) });

const ServiceItemListSchema = Type.Object({
  serviceItems: Type.Array(Type.Object({
    serviceItemCode: Type.String(),
    name: Type.String(),
    orgName: Type.String(),
    orgCode: Type.String(),
    fields: Type.Array(Type.Object({ key: Type.String(), name: Type.String(), sensitive: Type.Boolean() })),
  })),
  validity: Type.Object({ minSeconds: Type.Integer(), maxSeconds: Type.Integer(), defaultSeconds: Type.Integer() }),
});

/** Personal data: no browser or proxy cache keeps it. */
export async function noStoreHook(_req: FastifyRequest, reply: FastifyReply): Promise<void> {
  void reply.header('cache-control', 'no-store');
}

/** requireSession ran first; this only narrows the type. */
export function sessionOf(req: FastifyRequest): HolderSession {
  if (!req.session) throw new ApiError(401, 'UNAUTHENTICATED', '请先登录');
  return req.session;
}

export async function licenseRoutes(parent: FastifyInstance, s: HolderServices): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const citizen = app.requireSession('citizen');
  const noStore = { onRequest: noStoreHook };

  app.get('/api/licenses', { preHandler: citizen, ...noStore, schema: { response: { 200: LicenseListSchema, ...Errors } } },
    async (req) => s.holder.wallet(sessionOf(req).credential));

  app.get('/api/licenses/:licenseCode', { preHandler: citizen, ...noStore, schema: { params: LicenseParams, response: { 200: LicenseDetailSchema, ...Errors } } },
    async (req) => s.holder.detail(sessionOf(req).credential, req.params.licenseCode));

  // POST so the session plugin's CSRF guard covers it; the values never reach a log.
  app.post('/api/licenses/:licenseCode/reveal', { preHandler: citizen, ...noStore, schema: { params: LicenseParams, response: { 200: RevealSchema, ...Errors } } },
    async (req) => {
      const revealed = await s.holder.reveal(sessionOf(req).credential, req.params.licenseCode);
      req.log.info({ licenseCode: req.params.licenseCode, fields: revealed.fields.map((f) => f.key) }, 'holder revealed sensitive fields');
      return revealed;
    });

  app.get('/api/licenses/:licenseCode/service-items', { preHandler: citizen, schema: { params: LicenseParams, response: { 200: ServiceItemListSchema, ...Errors } } },
    async (req) => s.holder.serviceItemsFor(sessionOf(req).credential, req.params.licenseCode));
}
