// The license-app/v1 envelope every answer comes in (spec "Conventions for every call"), and the
// refusals it carries. Re-exported by upstream.ts; kept apart so the issuer's and the holder's
// modules can both build on it without importing each other.
import { Type, type Static, type TSchema } from 'typebox';
import { Nullable } from './schema.ts';

/** [our decision] error codes; `message` is a Chinese sentence, `inner_code` optional detail. */
export const UPSTREAM_ERROR_CODES = [
  'INVALID_REQUEST',
  'INVALID_CREDENTIALS',
  'INVALID_ACCESS_TOKEN',
  'ACCESS_TOKEN_EXPIRED',
  'FORBIDDEN',
  'NOT_FOUND',
  'LICENSE_NOT_ISSUED',
  'LICENSE_ABOLISHED',
  'AUTH_CODE_INVALID',
  'AUTH_CODE_EXPIRED',
  'AUTH_CODE_BOUND_TO_OTHER_SYSTEM',
  'AUTH_CODE_REVOKED',
  'CREDENTIAL_INVALID',
  'RATE_LIMITED',
  'SIGNATURE_INVALID',
  'REPLAYED_REQUEST',
  'INTERNAL_ERROR',
] as const;
export type UpstreamErrorCode = (typeof UPSTREAM_ERROR_CODES)[number];

export const UpstreamErrorSchema = Type.Object({
  code: Type.Enum(UPSTREAM_ERROR_CODES),
  message: Type.String(),
  inner_code: Type.Optional(Type.String()),
});
export type UpstreamError = Static<typeof UpstreamErrorSchema>;

/** The envelope around `data`. Business outcomes, refusals included, are HTTP 200. */
export const envelopeOf = <T extends TSchema>(data: T) =>
  Type.Object({
    ack_code: Type.Enum(['SUCCESS', 'FAILURE'] as const),
    errors: Type.Array(UpstreamErrorSchema),
    /** Reserved by the standard, always null here. */
    sign: Nullable(Type.String()),
    sign_method: Nullable(Type.String()),
    /** `YYYY-MM-DD HH:mm:ss`, Beijing time. */
    timestamp: Type.String(),
    /** The caller's `request_id`, or null. */
    correlation_id: Nullable(Type.String()),
    response_id: Type.String(),
    total_count: Type.Integer({ minimum: 0 }),
    data,
    /** Only on 6.2 login. */
    access_token: Type.Optional(Type.String()),
    /** Only on 6.2 login, seconds. */
    expires_in: Type.Optional(Type.Integer()),
    /** 6.6 license/holder and 6.7 license/auth: a usage code per record of `data`, in order. */
    auth_codes: Type.Optional(Type.Array(Type.String())),
  });

export const EnvelopeSchema = envelopeOf(Type.Unknown());
/** Every response; `data` is null on a refusal. */
export type Envelope<T = unknown> = Omit<Static<typeof EnvelopeSchema>, 'data'> & { data: T | null };
export type AckCode = Envelope['ack_code'];

/** Optional on every call (query or flat body); echoed as `correlation_id`. */
export interface WithRequestId {
  request_id?: string;
}
