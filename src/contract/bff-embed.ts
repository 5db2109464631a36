// The H5 <-> BFF wire shapes of living inside a portal's frame (/api/embed/*, issue 12): one TypeBox
// schema each for the BFF's routes; the types are derived and reach the web app through embed.ts
// as `import type` only.
import { Type, type Static } from 'typebox';

/** 256 random bits, base64url. */
const Opaque = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' });

/** GET /api/embed/config */
export const EmbedConfigSchema = Type.Object({ allowedOrigins: Type.Array(Type.String()), sdkVersion: Type.String() });
export type EmbedConfig = Static<typeof EmbedConfigSchema>;

/** POST /api/embed/handoff (the popup, signed in) -> a one-time code for the frame. */
export const EmbedHandoffRequestSchema = Type.Object({
  /** base64url(SHA-256(secret)); the secret stays in the frame. */
  nonce: Opaque,
}, { additionalProperties: false });
export type EmbedHandoffRequest = Static<typeof EmbedHandoffRequestSchema>;

export const EmbedHandoffResponseSchema = Type.Object({ code: Type.String(), expiresAt: Type.String() });
export type EmbedHandoffResponse = Static<typeof EmbedHandoffResponseSchema>;

/** POST /api/embed/session (the frame) -> SessionInfo, and the frame's own cookie. */
export const EmbedSessionRequestSchema = Type.Object({ code: Opaque, secret: Opaque }, { additionalProperties: false });
export type EmbedSessionRequest = Static<typeof EmbedSessionRequestSchema>;
