// The counter asks, the citizen answers (扫码授权, issue 15): the clerk's screen starts a request
// for its case and service item and shows a QR of `{PUBLIC_ORIGIN}/r/{id}`; the citizen signs in,
// sees who asks for what, picks a certificate and consents; the counter screen receives the result.
// A BFF feature of its own: no extension of the sharing service is needed (the counter redeems the
// code with the standard get_license, DB11/T 2290 6.6).
import { Type, type Static } from 'typebox';
import { AuthorisationIdSchema } from './bff-authorisations.ts';
import { CounterCaseSchema, CounterRedemptionSchema } from './bff-counter.ts';
import { Nullable } from './schema.ts';

/** Where a request QR points: `{PUBLIC_ORIGIN}/r/{id}`. */
export const REQUEST_LANDING_PATH = '/r/';
/** 128 random bits in base64url: unguessable, and short enough for a coarse QR. */
export const REQUEST_ID_PATTERN = '^[A-Za-z0-9_-]{22}$';

export const RequestIdParams = Type.Object({ id: Type.String({ pattern: REQUEST_ID_PATTERN }) });

/** POST /api/counter/requests: the counter's case. */
export const CounterRequestCreateBody = CounterCaseSchema;
export type CounterRequestCreate = Static<typeof CounterRequestCreateBody>;

/**
 * waiting: nobody has answered yet; answered: a holder consented and the counter has not taken the
 * result yet; done: the counter took it (once); declined: the holder said no; expired: too late;
 * failed: the holder consented but the redemption was refused (the reason is in `message`).
 */
export const RequestStateSchema = Type.Union([
  Type.Literal('waiting'), Type.Literal('answered'), Type.Literal('done'), Type.Literal('declined'), Type.Literal('expired'), Type.Literal('failed'),
]);
export type RequestState = Static<typeof RequestStateSchema>;

export const CounterRequestCreatedSchema = Type.Object({
  id: Type.String(),
  /** What the QR encodes. */
  url: Type.String(),
  serviceItemName: Type.String(),
  bizNum: Type.String(),
  expiresAt: Type.String(),
});
export type CounterRequestCreated = Static<typeof CounterRequestCreatedSchema>;

/** GET /api/requests/:id, for the signed-in citizen: who asks, for which case and item, and which certificates it accepts. */
export const HolderRequestViewSchema = Type.Object({
  id: Type.String(),
  orgName: Type.String(),
  serviceItemCode: Type.String(),
  serviceItemName: Type.String(),
  bizNum: Type.String(),
  licenseItemCodes: Type.Array(Type.String()),
  expiresAt: Type.String(),
  state: RequestStateSchema,
});
export type HolderRequestView = Static<typeof HolderRequestViewSchema>;

/** POST /api/requests/:id/answer: the authorisation the holder just made for this request's item. */
export const HolderAnswerBody = Type.Object({
  authorisationId: AuthorisationIdSchema,
}, { additionalProperties: false });
export type HolderAnswer = Static<typeof HolderAnswerBody>;


/** GET /api/counter/requests/:id, for the counter that asked: the state, and the redemption once answered. */
export const CounterRequestStatusSchema = Type.Object({
  state: RequestStateSchema,
  expiresAt: Type.String(),
  /** Why a consented request could not be used (a refusal the clerk should read). */
  message: Nullable(Type.String()),
  /** Only in the one answer that delivers it. */
  result: Nullable(CounterRedemptionSchema),
});
export type CounterRequestStatus = Static<typeof CounterRequestStatusSchema>;
