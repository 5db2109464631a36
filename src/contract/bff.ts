// The H5 <-> BFF API: what crosses the wire between the browser and /api. Plain types, no
// framework imports; the BFF's route schemas and the web app's api/ modules both follow them.

/** Every non-2xx JSON answer of /api and /auth. `message` is a sentence the page can show. */
import type { CertificateState } from './certificate-validity.ts';

export interface ApiErrorBody {
  error: {
    code: ApiErrorCode;
    message: string;
    /** Echoed so support can find the server log line; carries no personal data. */
    requestId: string;
  };
}

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

/** Header the page sends on every state-changing request; the value comes from GET /api/session. */
export const CSRF_HEADER = 'x-csrf-token';

export type Role = 'citizen' | 'counter_staff';

export interface SessionUser {
  /** Masked for display: 张*, 张*三. */
  maskedName: string;
  /** Full name, shown only to its owner (greeting, watermark). */
  name: string;
  /** 1101**********1234 */
  maskedIdentityNum: string;
  role: Role;
  orgName?: string;
}

/** GET /api/session -> 200 SessionInfo, or 401 ApiErrorBody when nobody is signed in. */
export interface SessionInfo {
  user: SessionUser;
  csrfToken: string;
  /** ISO instants; the page warns before the idle expiry and can extend it by any call. */
  idleExpiresAt: string;
  absoluteExpiresAt: string;
}

/** The wallet's validity states: the one rule in certificate-validity.ts. */
export type LicenseState = CertificateState;

export type LicenseTypeCode = 'CERTIFICATE' | 'PROOF' | 'APPROVAL' | 'REPORT' | 'RESULT';

/** One card in the wallet: GET /api/licenses -> { licenses: LicenseCard[] } */
export interface LicenseCard {
  licenseCode: string;
  licenseItemCode: string;
  name: string;
  licenseType: LicenseTypeCode;
  issueOrgName: string;
  /** Certificate number, masked when the catalogue marks it sensitive. */
  idCode: string;
  beginDate: string | null;
  /** null: valid indefinitely (长期有效). */
  expiryDate: string | null;
  state: LicenseState;
  /** Whole days until expiry when state is 'valid' or 'expiring'. */
  daysLeft: number | null;
}

export interface LicenseListResponse {
  licenses: LicenseCard[];
}

export interface LicenseField {
  key: string;
  name: string;
  value: string;
  sensitive: boolean;
  /** true when `value` is masked; the full value comes from the reveal call. */
  masked: boolean;
}

/** GET /api/licenses/:licenseCode */
export interface LicenseDetail extends LicenseCard {
  holderMaskedName: string;
  issueOrgCode: string;
  issueDate: string | null;
  division: string;
  fields: LicenseField[];
  /** When abolished: why, and the replacing certificate if any. */
  abolishReason: string | null;
  replacedBy: string | null;
}

/** POST /api/licenses/:licenseCode/reveal -> the unmasked sensitive fields (logged as an access). */
export interface RevealResponse {
  fields: Array<{ key: string; value: string }>;
}

/** GET /api/licenses/:licenseCode/service-items: the 事项 that accept this certificate. */
export interface ServiceItemOption {
  serviceItemCode: string;
  name: string;
  orgName: string;
  orgCode: string;
  /** Face fields the receiving organisation will get (names, sensitive marked). */
  fields: Array<{ key: string; name: string; sensitive: boolean }>;
}

export interface ServiceItemListResponse {
  serviceItems: ServiceItemOption[];
  /** Bounds for the validity the holder may choose, seconds. */
  validity: { minSeconds: number; maxSeconds: number; defaultSeconds: number };
}

/** POST /api/authorisations */
export interface CreateAuthorisationRequest {
  licenseCode: string;
  serviceItemCode: string;
  validitySeconds: number;
  /** Client-generated key: a double tap with the same key makes one authorisation. */
  idempotencyKey: string;
  /** The separate consent (单独同意, PIPL art. 29) to share sensitive fields. Must be true when any is shared. */
  sensitiveConsent: boolean;
  /** Set when this replaces an earlier code (refresh): the old one is revoked. */
  replaces?: string;
}

export type AuthorisationStatus = 'active' | 'used' | 'expired' | 'revoked';

export interface Redemption {
  /** get_license: data, archive: file, token: view */
  interface: 'get_license' | 'archive' | 'token' | 'auth';
  systemName: string;
  orgName: string;
  operatorName: string | null;
  at: string;
}

export interface Authorisation {
  id: string;
  authCode: string;
  /** {PUBLIC_ORIGIN}/c/{authCode}: what the QR encodes. */
  qrUrl: string;
  /** 17 digits (16 and a Damm check digit) the counter of the same organisation accepts instead; null when not offered. */
  counterCode: string | null;
  licenseCode: string;
  licenseName: string;
  serviceItemCode: string;
  serviceItemName: string;
  orgName: string;
  createdAt: string;
  expiresAt: string;
  status: AuthorisationStatus;
  redemptions: Redemption[];
  /** The code can still be withdrawn upstream (the service has revoke, and the code is alive). */
  revocable: boolean;
}

/** Server-Sent Events on GET /api/authorisations/:id/events: event 'status', data AuthorisationStatusEvent. */
export interface AuthorisationStatusEvent {
  id: string;
  status: AuthorisationStatus;
  redemptions: Redemption[];
}

/** GET /api/history?licenseCode= : newest first. */
export interface HistoryEntry {
  kind: 'authorisation' | 'redemption';
  at: string;
  licenseCode: string;
  licenseName: string;
  serviceItemName: string | null;
  orgName: string | null;
  /** For redemptions. */
  redemption?: Redemption;
  /** For authorisations: its id and current status (active ones can be revoked). */
  authorisation?: { id: string; status: AuthorisationStatus; expiresAt: string };
  /** A use by function (依职能, 6.7) that the holder did not authorise in this app. */
  byFunction: boolean;
  /** For authorisations: the uses of its code the service reported, oldest first. */
  uses?: Redemption[];
  /** A redemption by this app itself: the holder's own view on a phone (no system or operator named). */
  ownView?: boolean;
}

export interface HistoryResponse {
  entries: HistoryEntry[];
  /** False when the service does not report uses: the entries are this app's own records only. */
  usesReported: boolean;
}

/**
 * GET /api/capabilities: what the sharing service behind this app can do (its extensions to
 * DB11/T 2290 section 6), so the page offers only that and says what the holder can rely on.
 */
export interface ServiceCapabilities {
  /** A code can be withdrawn before its upstream expiry: revoke, refresh and a shorter validity. */
  revoke: boolean;
  /** The service reports each use of the holder's codes (history of redemptions). */
  usesReported: boolean;
  /** The QR page learns that its code was used while it is open. */
  liveStatus: boolean;
  /** "View on mobile": this app's page, the service's own page, or not offered. */
  mobileView: 'page' | 'service' | 'none';
  /** How long a usage code lives at the service, seconds. */
  codeLifetimeSeconds: number;
}

/** POST /api/licenses/:licenseCode/mobile-view -> where the "在手机上查看" page lives. */
export interface MobileViewLink {
  url: string;
  expiresAt: string;
}

/** GET /api/mobile-view?license_access_token=  (the token is the capability; no session needed) */
export interface MobileLicenseView {
  license: Omit<LicenseDetail, 'replacedBy'>;
  /** Masked viewer name when a session exists, for the watermark. */
  viewer: string | null;
  tokenExpiresAt: string;
}

/** POST /auth/logout: where the page goes next (the provider's end-session page, or /login). */
export interface LogoutResponse {
  redirectTo: string;
}
