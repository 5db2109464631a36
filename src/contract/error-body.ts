// The one envelope of every non-2xx JSON answer of /api and /auth, as a schema the BFF's routes
// serialise with. `code` is serialised as any string and typed as the codes the pages act on.
import { Type, type Static } from 'typebox';

export type ApiErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'CSRF_FAILED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'CERTIFICATE_NOT_USABLE'
  | 'CODE_NOT_REDEEMABLE'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_ERROR'
  | 'INTERNAL';

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.Unsafe<ApiErrorCode>(Type.String()),
    /** A sentence the page can show. */
    message: Type.String(),
    /** Echoed so support can find the server log line; carries no personal data. */
    requestId: Type.String(),
  }),
});
/** Every non-2xx JSON answer of /api and /auth. */
export type ApiErrorBody = Static<typeof ErrorBody>;

/** The error answers a route may give, for `schema.response`. */
export const Errors = {
  400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 410: ErrorBody, 429: ErrorBody, 502: ErrorBody, 503: ErrorBody,
};
