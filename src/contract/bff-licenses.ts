// The H5 <-> BFF wire shapes of the wallet (/api/licenses) and the mobile view (/api/mobile-view):
// one TypeBox schema each for the BFF's routes; the types are derived and reach the web app
// through bff.ts as `import type` only.
import { Type, type Static } from 'typebox';
import { CertificateStateSchema } from './certificate-validity.ts';
import { Nullable } from './schema.ts';

/** license_code as the upstream makes it; bounded so a path cannot carry anything else. */
export const LicenseCodeSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z._-]+$' });
export const LicenseParamsSchema = Type.Object({ licenseCode: LicenseCodeSchema });

/** The wallet's validity states: the one rule in certificate-validity.ts. */
export const LicenseStateSchema = CertificateStateSchema;
export type LicenseState = Static<typeof LicenseStateSchema>;

export const LicenseTypeCodeSchema = Type.Union([
  Type.Literal('CERTIFICATE'), Type.Literal('PROOF'), Type.Literal('APPROVAL'), Type.Literal('REPORT'), Type.Literal('RESULT'),
]);
export type LicenseTypeCode = Static<typeof LicenseTypeCodeSchema>;

const cardProps = {
  licenseCode: Type.String(),
  licenseItemCode: Type.String(),
  name: Type.String(),
  licenseType: LicenseTypeCodeSchema,
  issueOrgName: Type.String(),
  /** Certificate number, masked when the catalogue marks it sensitive. */
  idCode: Type.String(),
  beginDate: Nullable(Type.String()),
  /** null: valid indefinitely (长期有效). */
  expiryDate: Nullable(Type.String()),
  state: LicenseStateSchema,
  /** Whole days until expiry when state is 'valid' or 'expiring'. */
  daysLeft: Nullable(Type.Integer()),
};

/** One card in the wallet: GET /api/licenses -> { licenses: LicenseCard[] } */
export const LicenseCardSchema = Type.Object(cardProps);
export type LicenseCard = Static<typeof LicenseCardSchema>;

export const LicenseListResponseSchema = Type.Object({ licenses: Type.Array(LicenseCardSchema) });
export type LicenseListResponse = Static<typeof LicenseListResponseSchema>;

export const LicenseFieldSchema = Type.Object({
  key: Type.String(),
  name: Type.String(),
  value: Type.String(),
  sensitive: Type.Boolean(),
  /** true when `value` is masked; the full value comes from the reveal call. */
  masked: Type.Boolean(),
});
export type LicenseField = Static<typeof LicenseFieldSchema>;

/** Everything of a detail but `replacedBy`: what the mobile view shows. */
const viewProps = {
  ...cardProps,
  holderMaskedName: Type.String(),
  issueOrgCode: Type.String(),
  issueDate: Nullable(Type.String()),
  division: Type.String(),
  fields: Type.Array(LicenseFieldSchema),
  /** When abolished: why. */
  abolishReason: Nullable(Type.String()),
};

/** GET /api/licenses/:licenseCode */
export const LicenseDetailSchema = Type.Object({
  ...viewProps,
  /** When abolished: the replacing certificate, if any. */
  replacedBy: Nullable(Type.String()),
});
export type LicenseDetail = Static<typeof LicenseDetailSchema>;

/** POST /api/licenses/:licenseCode/reveal -> the unmasked sensitive fields (logged as an access). */
export const RevealResponseSchema = Type.Object({ fields: Type.Array(Type.Object({ key: Type.String(), value: Type.String() })) });
export type RevealResponse = Static<typeof RevealResponseSchema>;

/** GET /api/licenses/:licenseCode/service-items: the 事项 that accept this certificate. */
export const ServiceItemOptionSchema = Type.Object({
  serviceItemCode: Type.String(),
  name: Type.String(),
  orgName: Type.String(),
  orgCode: Type.String(),
  /** Face fields the receiving organisation will get (names, sensitive marked). */
  fields: Type.Array(Type.Object({ key: Type.String(), name: Type.String(), sensitive: Type.Boolean() })),
});
export type ServiceItemOption = Static<typeof ServiceItemOptionSchema>;

export const ServiceItemListResponseSchema = Type.Object({
  serviceItems: Type.Array(ServiceItemOptionSchema),
  /** Bounds for the validity the holder may choose, seconds. */
  validity: Type.Object({ minSeconds: Type.Integer(), maxSeconds: Type.Integer(), defaultSeconds: Type.Integer() }),
});
export type ServiceItemListResponse = Static<typeof ServiceItemListResponseSchema>;

/** POST /api/licenses/:licenseCode/mobile-view -> where the "在手机上查看" page lives. */
export const MobileViewLinkSchema = Type.Object({ url: Type.String(), expiresAt: Type.String() });
export type MobileViewLink = Static<typeof MobileViewLinkSchema>;

/** GET /api/mobile-view?license_access_token=  (the token is the capability; no session needed) */
export const MobileViewQuerySchema = Type.Object({
  license_access_token: Type.String({ minLength: 8, maxLength: 128, pattern: '^[0-9A-Za-z_-]+$' }),
});

export const MobileLicenseViewSchema = Type.Object({
  license: Type.Object(viewProps),
  /** Masked viewer name when a session exists, for the watermark. */
  viewer: Nullable(Type.String()),
  tokenExpiresAt: Type.String(),
});
export type MobileLicenseView = Static<typeof MobileLicenseViewSchema>;
