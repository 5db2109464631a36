// The license-app/v1 wire format (DB11/T 2290-2024 section 6) as spec/sharing-service-interfaces.md
// reconstructs it. Shared by the BFF's upstream client and the sandbox; types only, no framework.

// ---------------------------------------------------------------------------------------------
// Envelope and errors
// ---------------------------------------------------------------------------------------------

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

export interface UpstreamError {
  code: UpstreamErrorCode;
  message: string;
  inner_code?: string;
}

export type AckCode = 'SUCCESS' | 'FAILURE';

/** Every response, HTTP 200 for business outcomes (failures included). */
export interface Envelope<T = unknown> {
  ack_code: AckCode;
  errors: UpstreamError[];
  /** Reserved by the standard, always null here. */
  sign: string | null;
  sign_method: string | null;
  /** `YYYY-MM-DD HH:mm:ss`, Beijing time. */
  timestamp: string;
  /** The caller's `request_id`, or null. */
  correlation_id: string | null;
  response_id: string;
  total_count: number;
  data: T | null;
  /** Only on 6.2 login. */
  access_token?: string;
  /** Only on 6.2 login, seconds. */
  expires_in?: number;
}

/** Optional on every call (query or flat body); echoed as `correlation_id`. */
export interface WithRequestId {
  request_id?: string;
}

// ---------------------------------------------------------------------------------------------
// Common values
// ---------------------------------------------------------------------------------------------

/** Holder identity types; `10`/`40` are legacy inputs (18-digit ID card / other) accepted on input. */
export const HOLDER_IDENTITY_TYPES = {
  '111': '居民身份证',
  '414': '普通护照',
  '516': '港澳居民来往内地通行证',
  '511': '台湾居民来往大陆通行证',
  '001': '统一社会信用代码',
  '999': '其他',
} as const;
export type HolderIdentityType = keyof typeof HOLDER_IDENTITY_TYPES;
export type LegacyHolderIdentityType = '10' | '40';

export type LicenseType = 'CERTIFICATE' | 'PROOF' | 'APPROVAL' | 'REPORT' | 'RESULT';
export const LICENSE_TYPE_NAMES: Record<LicenseType, string> = {
  CERTIFICATE: '证照执照',
  PROOF: '证明文件',
  APPROVAL: '批文批复',
  REPORT: '鉴定报告',
  RESULT: '办事结果',
};

export type LicenseStatus = 'DRAFT' | 'REGISTERED' | 'ISSUED' | 'ABOLISHED';

/** 0 person, 1 organisation, 2 both. */
export type HolderType = 0 | 1 | 2;
/** 0 unpublished, 2 published, 3 cancelled. */
export type CatalogueStatus = 0 | 2 | 3;

/** The person acting; sent on every write and on 6.7 calls. */
export interface Operator {
  account: string;
  name: string;
  identity_num: string;
  role: string;
  service_org: string;
  service_org_code: string;
  division: string;
  division_code: string;
}

/** Source of a holder credential (`cas_no`); the sandbox accepts any string. */
export type CasNo = string;

// ---------------------------------------------------------------------------------------------
// 6.3 Catalogue
// ---------------------------------------------------------------------------------------------

export type DataItemType = 'string' | 'date' | 'number' | 'image';

/** One face field of a catalogue entry. */
export interface DataItem {
  key: string;
  name: string;
  data_type: DataItemType;
  length: number;
  is_allow_null: boolean;
  is_sensitive: boolean;
  is_show: boolean;
  index: number;
  description: string;
}

export interface CatalogueEntry {
  /** 24 characters, e.g. `100010601000021135110000`. */
  license_item_code: string;
  name: string;
  short_name: string;
  resp_org: string;
  issue_rank: string;
  holder_type: HolderType;
  type: LicenseType;
  status: CatalogueStatus;
  version: string;
  use_constraint_type: string;
  description: string;
  icon_image: string | null;
  admin_org: string;
  admin_org_code: string;
  division: string;
  division_code: string;
  creation_time: string;
  last_modification_time: string;
  data_items: DataItem[];
}

export interface CatalogueListQuery extends WithRequestId {
  access_token: string;
  page_index?: number;
  page_size?: number;
}

// ---------------------------------------------------------------------------------------------
// Certificate record
// ---------------------------------------------------------------------------------------------

export type DataFields = Record<string, string>;

export interface AttachmentField {
  attachment_code: string;
  name: string;
  file_type: string;
  is_license_image: boolean;
  description: string;
}

interface LicenseRecordBase {
  license_code: string;
  license_item_code: string;
  name: string;
  license_type: LicenseType;
  /** Certificate number / GB/T 36902 identifier. */
  id_code: string;
  holder_name: string;
  holder_identity_type: string;
  /** Several holders comma-separated. */
  holder_identity_num: string;
  issue_org_name: string;
  issue_org_code: string;
  division: string;
  division_code: string;
  issue_date: string | null;
  begin_date: string | null;
  expiry_date: string | null;
  attachment_fields: AttachmentField[];
  trust_level: string;
  biz_num: string | null;
  license_status: LicenseStatus;
  creator: string | null;
  creation_time: string;
  issuer: string | null;
  issue_time: string | null;
  abolisher: string | null;
  abolish_time: string | null;
  abolish_reason: string | null;
  /** The certificate this one replaced (on the new one) or was replaced by (on the old one). */
  correlative_license: string | null;
  algorithm: string | null;
  s_sign_cert: string | null;
  s_sign_data: string | null;
  last_modification_time: string;
}

/** As in license/webpage, license/holder, license/auth and the license_by_token extension. */
export interface LicenseRecord extends LicenseRecordBase {
  data_fields: DataFields;
}

/** As in get_license: `data_fields` is a JSON string. */
export interface LicenseRecordWire extends LicenseRecordBase {
  data_fields: string;
}

// ---------------------------------------------------------------------------------------------
// 6.2 Session
// ---------------------------------------------------------------------------------------------

export interface LoginRequest extends WithRequestId {
  app_key: string;
  app_secret: string;
  account: string;
  password: string;
}
/** Login answers with top-level `access_token` and `expires_in`; `data` is null. */
export type LoginResponse = Envelope<null>;

export interface CurrentUser {
  account: string;
  name: string;
  role: string;
  division: string;
  division_code: string;
  service_org: { org_code: string; name: string };
}

export interface ServiceItem {
  service_item_code: string;
  name: string;
  license_item_codes: string[];
  /**
   * Extension (PIPL art. 6, minimum necessary): per accepted catalogue entry, the face-field keys
   * this service item receives. An entry absent or mapped to [] receives every `is_show` field, as
   * from an upstream without the extension.
   */
  data_item_keys?: Record<string, string[]>;
}

/** The face-field keys `item` receives from a certificate of `licenseItemCode`; null = all shown fields. */
export function serviceItemDataKeys(item: Pick<ServiceItem, 'data_item_keys'>, licenseItemCode: string): string[] | null {
  const keys: unknown = item.data_item_keys?.[licenseItemCode];
  // Anything but a non-empty list of keys is read as "not declared" (a foreign upstream's shape).
  return Array.isArray(keys) && keys.length > 0 && keys.every((k) => typeof k === 'string') ? (keys as string[]) : null;
}

export interface ServiceItemListQuery extends WithRequestId {
  access_token: string;
  org_code: string;
  type?: number;
}

// ---------------------------------------------------------------------------------------------
// 6.4 Production (bodies wrap their payload as { data })
// ---------------------------------------------------------------------------------------------

export interface Wrapped<T> extends WithRequestId {
  data: T;
}

export interface CreateLicenseData {
  service_item_code: string;
  service_item_name: string;
  biz_num?: string;
  license_group?: string;
  seal_code?: string;
  /** Generated (GB/T 36902 style) when omitted. */
  id_code?: string;
  holder_name: string;
  holder_identity_type: string;
  holder_identity_num: string;
  begin_date?: string;
  expiry_date?: string;
  data_fields: DataFields;
  operator: Operator;
}
export interface CreateLicenseResult {
  license_code: string;
  auth_code: string;
}

export interface UpdateLicenseData {
  license_code: string;
  holder_name?: string;
  holder_identity_type?: string;
  holder_identity_num?: string;
  begin_date?: string;
  expiry_date?: string;
  biz_num?: string;
  id_code?: string;
  data_fields?: DataFields;
  operator: Operator;
}
export interface UpdateLicenseResult {
  license_code: string;
}

export interface DeleteLicenseData {
  license_code: string;
  operator: Operator;
}

export interface CreateAttachmentData {
  license_code: string;
  name: string;
  file_type: string;
  /** base64 */
  file_data: string;
  is_license_image?: boolean;
  description?: string;
  operator?: Operator;
}
export interface CreateAttachmentResult {
  attachment_code: string;
}

// ---------------------------------------------------------------------------------------------
// 6.5 Operation and publication
// ---------------------------------------------------------------------------------------------

export interface SignLicenseData {
  license_code?: string;
  id_code?: string;
  service_item_code?: string;
  service_item_name?: string;
  operator: Operator;
}

export interface ChangeLicenseData {
  license_code: string;
  data_fields?: DataFields;
  begin_date?: string;
  expiry_date?: string;
  reason: string;
  operator: Operator;
}
export type ChangeLicenseResult = CreateLicenseResult;

export interface AbolishLicenseData {
  license_code?: string;
  id_code?: string;
  abolish_reason: string;
  biz_num?: string;
  operator: Operator;
}

export interface BatchIssueData {
  items: Array<Omit<CreateLicenseData, 'operator'>>;
  operator: Operator;
}
export interface BatchIssueItemResult {
  index: number;
  ack_code: AckCode;
  license_code?: string;
  auth_code?: string;
  errors: UpstreamError[];
}
export interface BatchIssueResult {
  results: BatchIssueItemResult[];
}

// ---------------------------------------------------------------------------------------------
// 6.6 Holder authorisation (flat bodies)
// ---------------------------------------------------------------------------------------------

export interface HolderRequest extends WithRequestId {
  service_item_code: string;
  service_item_name?: string;
  biz_num?: string;
  /** The holder's access token from the unified identity platform. */
  credential: string;
  cas_no?: CasNo;
}
/** `data` = LicenseRecord[], plus `auth_codes` parallel to it; `total_count` = data.length. */
export interface HolderResponse extends Envelope<LicenseRecord[]> {
  auth_codes: string[];
}

export interface WebpageRequest extends WithRequestId {
  credential: string;
  cas_no?: CasNo;
}
export type WebpageResponse = Envelope<LicenseRecord[]>;

export interface AuthCodeQuery extends WithRequestId {
  auth_code: string;
  access_token: string;
}
export type GetLicenseResponse = Envelope<LicenseRecordWire>;

export interface LicenseTokenResult {
  license_access_token: string;
  /** `YYYY-MM-DD HH:mm:ss`, Beijing time. */
  expiry_date: string;
}

export interface ArchiveQuery extends AuthCodeQuery {
  file_type?: 'pdf';
  show_sensitive_data?: boolean | 'true' | 'false';
}
export interface ArchiveResult {
  file_name: string;
  file_type: 'pdf';
  /** base64 of the signed PDF */
  file_data: string;
}

/** Extension: the record behind a license_access_token, for the mobile view page. */
export interface LicenseByTokenResult {
  license: LicenseRecord;
  /** `YYYY-MM-DD HH:mm:ss` */
  expiry_date: string;
  /** The access system that obtained the token. */
  viewer_system: string;
  viewer_org_name: string;
}

// Extensions: revoke, uses, events.

export interface RevokeAuthCodeRequest extends WithRequestId {
  auth_code: string;
  credential: string;
}

export interface AuthCodeUsesRequest extends WithRequestId {
  credential: string;
}

export type RedemptionInterface = 'get_license' | 'token' | 'archive';

/** One redemption of a holder's code (holder-minted or by-function). */
export interface AuthCodeUse {
  auth_code: string;
  license_code: string;
  license_item_code: string;
  license_name: string;
  service_item_code: string | null;
  service_item_name: string | null;
  /** How the code came to be: holder authorisation, by-function (6.7) or issuer. */
  origin: AuthCodeOrigin;
  /** app_key of the redeeming access system. */
  system: string;
  system_name: string;
  org_name: string;
  org_code: string;
  operator_name: string | null;
  biz_num: string | null;
  interface: RedemptionInterface;
  /** `YYYY-MM-DD HH:mm:ss` */
  time: string;
}
export type AuthCodeOrigin = 'holder' | 'by_function' | 'issuer';

export interface AuthCodeEventsQuery extends WithRequestId {
  access_token: string;
  /** Opaque cursor from a previous `next`; absent = from now. */
  since?: string;
  /** Seconds to hold the request open when nothing is pending, at most 30. */
  wait?: number;
}

export type AuthCodeEvent =
  | {
      type: 'redeemed';
      cursor: string;
      auth_code: string;
      license_code: string;
      interface: RedemptionInterface;
      system: string;
      system_name: string;
      org_name: string;
      org_code: string;
      operator_name: string | null;
      time: string;
    }
  | { type: 'revoked'; cursor: string; auth_code: string; license_code: string; time: string };

export interface AuthCodeEventsResult {
  events: AuthCodeEvent[];
  next: string;
}

// ---------------------------------------------------------------------------------------------
// 6.7 By-function verification
// ---------------------------------------------------------------------------------------------

export interface ByFunctionRequest extends WithRequestId {
  /** One or several, comma-separated. */
  identity_number: string;
  service_item_code: string;
  service_item_name?: string;
  biz_num: string;
  page_index?: number;
  page_size?: number;
  operator: Operator;
}
export interface ByFunctionResponse extends Envelope<LicenseRecord[]> {
  auth_codes: string[];
}

// ---------------------------------------------------------------------------------------------
// 5.4 Request signing headers
// ---------------------------------------------------------------------------------------------

export const SIGNING_HEADERS = {
  appKey: 'x-app-key',
  timestamp: 'x-timestamp',
  nonce: 'x-nonce',
  signature: 'x-signature',
} as const;

export type RequestSigningAlgorithm = 'sha256' | 'sm3';
