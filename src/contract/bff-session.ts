// The H5 <-> BFF wire shapes of signing in and the session (/auth, /api/session, /api/capabilities):
// one TypeBox schema each, validating and serialising in the BFF's routes; the types are derived
// and reach the web app through bff.ts as `import type` only.
import { Type, type Static } from 'typebox';

export const RoleSchema = Type.Union([Type.Literal('citizen'), Type.Literal('counter_staff')]);
export type Role = Static<typeof RoleSchema>;

export const SessionUserSchema = Type.Object({
  /** Masked for display: 张*, 张*三. */
  maskedName: Type.String(),
  /** Full name, shown only to its owner (greeting, watermark). */
  name: Type.String(),
  /** 1101**********1234 */
  maskedIdentityNum: Type.String(),
  role: RoleSchema,
  orgName: Type.Optional(Type.String()),
});
export type SessionUser = Static<typeof SessionUserSchema>;

/** GET /api/session -> 200 SessionInfo, or 401 ApiErrorBody when nobody is signed in. */
export const SessionInfoSchema = Type.Object({
  user: SessionUserSchema,
  csrfToken: Type.String(),
  /** ISO instants; the page warns before the idle expiry and can extend it by any call. */
  idleExpiresAt: Type.String(),
  absoluteExpiresAt: Type.String(),
});
export type SessionInfo = Static<typeof SessionInfoSchema>;

/** GET /auth/login?return_to= : where to land after signing in (checked by return-to.ts). */
export const LoginQuerySchema = Type.Object({ return_to: Type.Optional(Type.String({ maxLength: 4096 })) });

/** POST /auth/logout: where the page goes next (the provider's end-session page, or /login). */
export const LogoutResponseSchema = Type.Object({ redirectTo: Type.String() });
export type LogoutResponse = Static<typeof LogoutResponseSchema>;

/**
 * GET /api/capabilities: what the sharing service behind this app can do (its extensions to
 * DB11/T 2290 section 6), so the page offers only that and says what the holder can rely on.
 */
export const ServiceCapabilitiesSchema = Type.Object({
  /** A code can be withdrawn before its upstream expiry: revoke, refresh and a shorter validity. */
  revoke: Type.Boolean(),
  /** The service reports each use of the holder's codes (history of redemptions). */
  usesReported: Type.Boolean(),
  /** The QR page learns that its code was used while it is open. */
  liveStatus: Type.Boolean(),
  /** "View on mobile": this app's page, the service's own page, or not offered. */
  mobileView: Type.Union([Type.Literal('page'), Type.Literal('service'), Type.Literal('none')]),
  /** How long a usage code lives at the service, seconds. */
  codeLifetimeSeconds: Type.Integer(),
});
export type ServiceCapabilities = Static<typeof ServiceCapabilitiesSchema>;
