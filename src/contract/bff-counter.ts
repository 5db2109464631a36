// The counter (窗口) side of the H5 <-> BFF wire: redeeming a holder's usage code (DB11/T 2290 6.6
// get_license / archive) and verification by function (6.7 license/auth). One TypeBox schema each
// for the BFF's routes; the types are derived and reach the web app through counter.ts as
// `import type` only, so no TypeBox reaches the counter page's bundle.
import { Type, type Static } from 'typebox';
import { CertificateStateSchema } from './certificate-validity.ts';
import { BIZ_NUM_PATTERN, REDEEM_CODE_PATTERN } from './counter.ts';
import { Nullable } from './schema.ts';

const caseProps = {
  bizNum: Type.String({ pattern: BIZ_NUM_PATTERN }),
  serviceItemCode: Type.String({ minLength: 1, maxLength: 64 }),
};
/** The case at the counter: entered once, sent with every call (spec 6.7: every call names the case). */
export const CounterCaseSchema = Type.Object(caseProps, { additionalProperties: false });
export type CounterCase = Static<typeof CounterCaseSchema>;

/** One 事项 of the staff member's organisation. */
export const CounterServiceItemSchema = Type.Object({
  serviceItemCode: Type.String(),
  name: Type.String(),
  /** Catalogue codes of the certificates this service item accepts. */
  licenseItemCodes: Type.Array(Type.String()),
});
export type CounterServiceItem = Static<typeof CounterServiceItemSchema>;

/** GET /api/counter/service-items */
export const CounterServiceItemsResponseSchema = Type.Object({
  orgName: Type.String(),
  serviceItems: Type.Array(CounterServiceItemSchema),
  /** The result on screen clears itself after this many seconds (COUNTER_RESULT_CLEAR_SECONDS). */
  resultClearSeconds: Type.Integer(),
  /** Whether this staff role sees sensitive face fields unmasked (counter_staff: no). */
  sensitiveVisible: Type.Boolean(),
});
export type CounterServiceItemsResponse = Static<typeof CounterServiceItemsResponseSchema>;

/** POST /api/counter/redeem; POST /api/counter/archive takes the same body and answers application/pdf. */
export const CounterRedeemRequestSchema = Type.Object({
  ...caseProps,
  /** The usage code from the QR (or typed), or a handle from a by-function search. */
  authCode: Type.String({ pattern: REDEEM_CODE_PATTERN }),
}, { additionalProperties: false });
export type CounterRedeemRequest = Static<typeof CounterRedeemRequestSchema>;
export type CounterArchiveRequest = CounterRedeemRequest;

/** The counter's validity states: the one rule in certificate-validity.ts. */
export type CounterLicenseState = Static<typeof CertificateStateSchema>;

export const CounterFieldSchema = Type.Object({
  key: Type.String(),
  name: Type.String(),
  value: Type.String(),
  sensitive: Type.Boolean(),
  /** true when `value` is masked for this staff role. */
  masked: Type.Boolean(),
});
export type CounterField = Static<typeof CounterFieldSchema>;

export type CounterWarningCode = 'expired' | 'expiring' | 'not_yet_valid' | 'not_accepted_by_item' | 'replaces_other';
export const CounterWarningSchema = Type.Object({
  // Serialised as any string, typed as the codes the page knows.
  code: Type.Unsafe<CounterWarningCode>(Type.String()),
  /** A sentence to show as is. */
  message: Type.String(),
});
export type CounterWarning = Static<typeof CounterWarningSchema>;

/** 200 answer of POST /api/counter/redeem: what the staff member sees. */
export const CounterRedemptionSchema = Type.Object({
  licenseCode: Type.String(),
  licenseItemCode: Type.String(),
  name: Type.String(),
  /**
   * Certificate number (masked when the catalogue marks it sensitive). This and the holder fields
   * are null when the case's service item does not receive them (PIPL art. 6: what the holder consented to).
   */
  idCode: Nullable(Type.String()),
  holderName: Nullable(Type.String()),
  /** 1101**********1233 */
  holderIdentityNum: Nullable(Type.String()),
  holderIdentityType: Nullable(Type.String()),
  /** Null, like the issue date, when the case's service item does not receive FZJGMC (FZRQ). */
  issueOrgName: Nullable(Type.String()),
  issueDate: Nullable(Type.String()),
  beginDate: Nullable(Type.String()),
  /** null: valid indefinitely (长期有效). */
  expiryDate: Nullable(Type.String()),
  state: CertificateStateSchema,
  /** Whole days until expiry when valid or expiring. */
  daysLeft: Nullable(Type.Integer()),
  warnings: Type.Array(CounterWarningSchema),
  /** Face fields in catalogue order, with their catalogue names. */
  fields: Type.Array(CounterFieldSchema),
  serviceItemName: Type.String(),
  bizNum: Type.String(),
  redeemedAt: Type.String(),
  /** Whether this came from a by-function search (6.7) rather than a code the holder showed. */
  byFunction: Type.Boolean(),
});
export type CounterRedemption = Static<typeof CounterRedemptionSchema>;

/** POST /api/counter/by-function */
export const CounterByFunctionRequestSchema = Type.Object({
  ...caseProps,
  /** 18-character resident ID number (GB 11643); its check digit is checked by resident-id.ts. */
  identityNumber: Type.String({ pattern: '^\\s*\\d{17}[\\dXx]\\s*$' }),
  /** 1-based. */
  page: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
}, { additionalProperties: false });
export type CounterByFunctionRequest = Static<typeof CounterByFunctionRequestSchema>;

export const CounterByFunctionItemSchema = Type.Object({
  /**
   * Opaque, for POST /api/counter/redeem and /archive. The upstream auth codes stay in the BFF:
   * they are 24-hour capabilities and the page never needs them.
   */
  handle: Type.String(),
  licenseCode: Type.String(),
  name: Type.String(),
  holderName: Type.String(),
  issueOrgName: Type.String(),
  expiryDate: Nullable(Type.String()),
  state: CertificateStateSchema,
});
export type CounterByFunctionItem = Static<typeof CounterByFunctionItemSchema>;

export const CounterByFunctionResponseSchema = Type.Object({
  items: Type.Array(CounterByFunctionItemSchema),
  totalCount: Type.Integer(),
  page: Type.Integer(),
  pageSize: Type.Integer(),
});
export type CounterByFunctionResponse = Static<typeof CounterByFunctionResponseSchema>;
