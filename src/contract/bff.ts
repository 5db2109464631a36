// The H5 <-> BFF API: what crosses the wire between the browser and /api. Each shape is one
// TypeBox schema in the area's module (bff-session.ts, bff-licenses.ts, bff-authorisations.ts;
// the counter's in bff-counter.ts, the frame's in bff-embed.ts), which the BFF's routes validate
// and serialise with. This index only names their derived types for the web app, as `import type`,
// so no TypeBox reaches the browser bundle: keep runtime imports out of it.

export type { ApiErrorBody, ApiErrorCode } from './error-body.ts';

/** Header the page sends on every state-changing request; the value comes from GET /api/session. */
export const CSRF_HEADER = 'x-csrf-token';

export type { LogoutResponse, Role, ServiceCapabilities, SessionInfo, SessionUser } from './bff-session.ts';
export type {
  LicenseCard,
  LicenseDetail,
  LicenseField,
  LicenseListResponse,
  LicenseState,
  LicenseTypeCode,
  MobileLicenseView,
  MobileViewLink,
  RevealResponse,
  ServiceItemListResponse,
  ServiceItemOption,
} from './bff-licenses.ts';
export type {
  Authorisation,
  AuthorisationStatus,
  AuthorisationStatusEvent,
  CreateAuthorisationRequest,
  HistoryEntry,
  HistoryResponse,
  Redemption,
} from './bff-authorisations.ts';
