// The H5 <-> BFF wire shapes of consent and its codes (/api/authorisations) and of the history
// (/api/history): one TypeBox schema each for the BFF's routes; the types are derived and reach
// the web app through bff.ts as `import type` only.
import { Type, type Static } from 'typebox';
import { LicenseCodeSchema } from './bff-licenses.ts';
import { Nullable } from './schema.ts';

/** An authorisation's id as the BFF makes it (a UUID); bounded so a path carries nothing else. */
export const AuthorisationIdSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z-]+$' });
export const AuthorisationParamsSchema = Type.Object({ id: AuthorisationIdSchema });

/** POST /api/authorisations */
export const CreateAuthorisationRequestSchema = Type.Object({
  licenseCode: LicenseCodeSchema,
  serviceItemCode: Type.String({ minLength: 1, maxLength: 64 }),
  validitySeconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
  /** Client-generated key: a double tap with the same key makes one authorisation. */
  idempotencyKey: Type.String({ minLength: 8, maxLength: 128, pattern: '^[0-9A-Za-z_-]+$' }),
  /** The separate consent (单独同意, PIPL art. 29) to share sensitive fields. Must be true when any is shared. */
  sensitiveConsent: Type.Boolean(),
  /** Set when this replaces an earlier code (refresh): the old one is revoked. */
  replaces: Type.Optional(AuthorisationIdSchema),
}, { additionalProperties: false });
export type CreateAuthorisationRequest = Static<typeof CreateAuthorisationRequestSchema>;

export const AuthorisationStatusSchema = Type.Union([Type.Literal('active'), Type.Literal('used'), Type.Literal('expired'), Type.Literal('revoked')]);
export type AuthorisationStatus = Static<typeof AuthorisationStatusSchema>;

export const RedemptionSchema = Type.Object({
  /** get_license: data, archive: file, token: view */
  interface: Type.Union([Type.Literal('get_license'), Type.Literal('archive'), Type.Literal('token'), Type.Literal('auth')]),
  systemName: Type.String(),
  orgName: Type.String(),
  operatorName: Nullable(Type.String()),
  at: Type.String(),
});
export type Redemption = Static<typeof RedemptionSchema>;

export const AuthorisationSchema = Type.Object({
  id: Type.String(),
  authCode: Type.String(),
  /** {PUBLIC_ORIGIN}/c/{authCode}: what the QR encodes. */
  qrUrl: Type.String(),
  /** 17 digits (16 and a Damm check digit) the counter of the same organisation accepts instead; null when not offered. */
  counterCode: Nullable(Type.String({ pattern: '^\\d{17}$' })),
  licenseCode: Type.String(),
  licenseName: Type.String(),
  serviceItemCode: Type.String(),
  serviceItemName: Type.String(),
  orgName: Type.String(),
  createdAt: Type.String(),
  expiresAt: Type.String(),
  status: AuthorisationStatusSchema,
  redemptions: Type.Array(RedemptionSchema),
  /** The code can still be withdrawn upstream (the service has revoke, and the code is alive). */
  revocable: Type.Boolean(),
});
export type Authorisation = Static<typeof AuthorisationSchema>;

/** Server-Sent Events on GET /api/authorisations/:id/events: event 'status', data AuthorisationStatusEvent. */
export const AuthorisationStatusEventSchema = Type.Object({
  id: Type.String(),
  status: AuthorisationStatusSchema,
  redemptions: Type.Array(RedemptionSchema),
});
export type AuthorisationStatusEvent = Static<typeof AuthorisationStatusEventSchema>;

/** GET /api/history?licenseCode= */
export const HistoryQuerySchema = Type.Object({ licenseCode: Type.Optional(LicenseCodeSchema) });

/** One line of the history, newest first. */
export const HistoryEntrySchema = Type.Object({
  kind: Type.Union([Type.Literal('authorisation'), Type.Literal('redemption')]),
  at: Type.String(),
  licenseCode: Type.String(),
  licenseName: Type.String(),
  serviceItemName: Nullable(Type.String()),
  orgName: Nullable(Type.String()),
  /** For redemptions. */
  redemption: Type.Optional(RedemptionSchema),
  /** For authorisations: its id and current status (active ones can be revoked). */
  authorisation: Type.Optional(Type.Object({ id: Type.String(), status: AuthorisationStatusSchema, expiresAt: Type.String() })),
  /** A use by function (依职能, 6.7) that the holder did not authorise in this app. */
  byFunction: Type.Boolean(),
  /** For authorisations: the uses of its code the service reported, oldest first. */
  uses: Type.Optional(Type.Array(RedemptionSchema)),
  /** A redemption by this app itself: the holder's own view on a phone (no system or operator named). */
  ownView: Type.Optional(Type.Boolean()),
});
export type HistoryEntry = Static<typeof HistoryEntrySchema>;

export const HistoryResponseSchema = Type.Object({
  entries: Type.Array(HistoryEntrySchema),
  /** False when the service does not report uses: the entries are this app's own records only. */
  usesReported: Type.Boolean(),
});
export type HistoryResponse = Static<typeof HistoryResponseSchema>;
