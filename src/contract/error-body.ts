// The one envelope of every non-2xx JSON answer of /api and /auth, as a schema the BFF's routes
// serialise with; `ApiErrorBody` in bff.ts names the codes the pages act on.
import { Type, type Static } from 'typebox';

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), requestId: Type.String() }),
});
export type ErrorBodyShape = Static<typeof ErrorBody>;

/** The error answers a route may give, for `schema.response`. */
export const Errors = {
  400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 410: ErrorBody, 429: ErrorBody, 502: ErrorBody, 503: ErrorBody,
};
