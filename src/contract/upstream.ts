// The license-app/v1 wire format (DB11/T 2290-2024 section 6) as spec/sharing-service-interfaces.md
// reconstructs it. Shared by the BFF's upstream client and the sandbox; no framework.
//
// The answers the BFF reads are TypeBox schemas, the source of their types: a field the spec makes
// required has no default and its absence is an error naming it; every other field has a default,
// so an upstream that leaves it out still reads; unknown extra fields are ignored.
import { Type, type Static, type TSchema } from 'typebox';

// Envelope and errors: upstream-envelope.ts.
export * from './upstream-envelope.ts';
import type { WithRequestId } from './upstream-envelope.ts';

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

const Lit = Type.Enum;
/** Optional in an answer: absent reads as `fallback`. */
// (Descriptors, not a spread: TypeBox marks a schema's kind with a non-enumerable property.)
const Opt = <T extends TSchema>(schema: T, fallback: unknown): T =>
  Object.defineProperties({}, { ...Object.getOwnPropertyDescriptors(schema), default: { value: fallback, enumerable: true } }) as T;
const Str = Type.String();
const OptStr = Opt(Type.String(), '');
const NullableStr = Opt(Type.Union([Type.String(), Type.Null()]), null);

export const LICENSE_TYPES = ['CERTIFICATE', 'PROOF', 'APPROVAL', 'REPORT', 'RESULT'] as const;
export type LicenseType = (typeof LICENSE_TYPES)[number];
export const LICENSE_TYPE_NAMES: Record<LicenseType, string> = {
  CERTIFICATE: '证照执照',
  PROOF: '证明文件',
  APPROVAL: '批文批复',
  REPORT: '鉴定报告',
  RESULT: '办事结果',
};

export const LICENSE_STATUSES = ['DRAFT', 'REGISTERED', 'ISSUED', 'ABOLISHED'] as const;
export type LicenseStatus = (typeof LICENSE_STATUSES)[number];

/** 0 person, 1 organisation, 2 both. */
export type HolderType = 0 | 1 | 2;

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
export const DataItemSchema = Type.Object({
  key: Str,
  name: Str,
  data_type: Opt(Lit(['string', 'date', 'number', 'image'] as const), 'string'),
  length: Opt(Type.Number(), 0),
  is_allow_null: Opt(Type.Boolean(), true),
  is_sensitive: Opt(Type.Boolean(), false),
  is_show: Opt(Type.Boolean(), true),
  index: Opt(Type.Number(), 0),
  description: OptStr,
});
export type DataItem = Static<typeof DataItemSchema>;

export const CatalogueEntrySchema = Type.Object({
  /** 24 characters, e.g. `100010601000021135110000`. */
  license_item_code: Str,
  name: Str,
  short_name: OptStr,
  resp_org: OptStr,
  issue_rank: OptStr,
  holder_type: Opt(Lit([0, 1, 2] as const), 0),
  type: Opt(Lit(LICENSE_TYPES), 'CERTIFICATE'),
  status: Opt(Lit([0, 2, 3] as const), 2),
  version: OptStr,
  use_constraint_type: OptStr,
  description: OptStr,
  icon_image: NullableStr,
  admin_org: OptStr,
  admin_org_code: OptStr,
  division: OptStr,
  division_code: OptStr,
  creation_time: OptStr,
  last_modification_time: OptStr,
  data_items: Opt(Type.Array(DataItemSchema), []),
});
export type CatalogueEntry = Static<typeof CatalogueEntrySchema>;

// ---------------------------------------------------------------------------------------------
// Certificate record
// ---------------------------------------------------------------------------------------------

export const DataFieldsSchema = Type.Record(Type.String(), Type.String());
export type DataFields = Static<typeof DataFieldsSchema>;

const AttachmentFieldSchema = Type.Object({
  attachment_code: Str,
  name: OptStr,
  file_type: OptStr,
  is_license_image: Opt(Type.Boolean(), false),
  description: OptStr,
});

const licenseRecordProps = {
  license_code: Str,
  license_item_code: Str,
  name: Str,
  license_type: Opt(Lit(LICENSE_TYPES), 'CERTIFICATE'),
  /** Certificate number / GB/T 36902 identifier. */
  id_code: OptStr,
  holder_name: OptStr,
  holder_identity_type: OptStr,
  /** Several holders comma-separated. */
  holder_identity_num: OptStr,
  issue_org_name: OptStr,
  issue_org_code: OptStr,
  division: OptStr,
  division_code: OptStr,
  issue_date: NullableStr,
  begin_date: NullableStr,
  expiry_date: NullableStr,
  attachment_fields: Opt(Type.Array(AttachmentFieldSchema), []),
  trust_level: OptStr,
  biz_num: NullableStr,
  license_status: Lit(LICENSE_STATUSES),
  creator: NullableStr,
  creation_time: OptStr,
  issuer: NullableStr,
  issue_time: NullableStr,
  abolisher: NullableStr,
  abolish_time: NullableStr,
  abolish_reason: NullableStr,
  /** The certificate this one replaced (on the new one) or was replaced by (on the old one). */
  correlative_license: NullableStr,
  algorithm: NullableStr,
  s_sign_cert: NullableStr,
  s_sign_data: NullableStr,
  last_modification_time: OptStr,
};

/**
 * A certificate record as the BFF and the sandbox hold it, `data_fields` an object. On the wire
 * the spec sends `data_fields` as a JSON string in get_license and as an object elsewhere;
 * readers accept either in every record (see the BFF's upstream/read.ts).
 */
export const LicenseRecordSchema = Type.Object({ ...licenseRecordProps, data_fields: Opt(DataFieldsSchema, {}) });
export type LicenseRecord = Static<typeof LicenseRecordSchema>;

/** As get_license sends it: `data_fields` is a JSON string. */
export const LicenseRecordWireSchema = Type.Object({ ...licenseRecordProps, data_fields: Type.String() });
export type LicenseRecordWire = Static<typeof LicenseRecordWireSchema>;

// ---------------------------------------------------------------------------------------------
// 6.2 Session
// ---------------------------------------------------------------------------------------------

export const CurrentUserSchema = Type.Object({
  account: Str,
  name: OptStr,
  role: OptStr,
  division: OptStr,
  division_code: OptStr,
  service_org: Opt(Type.Object({ org_code: OptStr, name: OptStr }), { org_code: '', name: '' }),
});
export type CurrentUser = Static<typeof CurrentUserSchema>;

export const ServiceItemSchema = Type.Object({
  service_item_code: Str,
  name: Str,
  license_item_codes: Opt(Type.Array(Type.String()), []),
  /**
   * Extension (PIPL art. 6, minimum necessary): per accepted catalogue entry, the face-field keys
   * this service item receives. An entry absent or mapped to [] receives every `is_show` field, as
   * from an upstream without the extension. Read loosely (serviceItemDataKeys) as a foreign shape.
   */
  data_item_keys: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type ServiceItem = Omit<Static<typeof ServiceItemSchema>, 'data_item_keys'> & { data_item_keys?: Record<string, string[]> };


/** The face-field keys `item` receives from a certificate of `licenseItemCode`; null = all shown fields. */
export function serviceItemDataKeys(item: Pick<ServiceItem, 'data_item_keys'>, licenseItemCode: string): string[] | null {
  const keys: unknown = item.data_item_keys?.[licenseItemCode];
  // Anything but a non-empty list of keys is read as "not declared" (a foreign upstream's shape).
  return Array.isArray(keys) && keys.length > 0 && keys.every((k) => typeof k === 'string') ? (keys as string[]) : null;
}


// 6.4 Production and 6.5 publication: the issuer's bodies, in upstream-issuer.ts.
export * from './upstream-issuer.ts';

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

export const LicenseTokenResultSchema = Type.Object({
  license_access_token: Str,
  /** `YYYY-MM-DD HH:mm:ss`, Beijing time. */
  expiry_date: Str,
});
export type LicenseTokenResult = Static<typeof LicenseTokenResultSchema>;

export const ArchiveResultSchema = Type.Object({
  file_name: Str,
  file_type: Opt(Type.Literal('pdf'), 'pdf'),
  /** base64 of the signed PDF */
  file_data: Str,
});
export type ArchiveResult = Static<typeof ArchiveResultSchema>;

/** Extension: the record behind a license_access_token, for the mobile view page. */
export const LicenseByTokenResultSchema = Type.Object({
  license: LicenseRecordSchema,
  /** `YYYY-MM-DD HH:mm:ss` */
  expiry_date: Str,
  /** The access system that obtained the token. */
  viewer_system: OptStr,
  viewer_org_name: OptStr,
});
export type LicenseByTokenResult = Static<typeof LicenseByTokenResultSchema>;

// Extensions: revoke, uses, events.

/** Extension `license/auth_code/revoke`: the code withdrawn and when. */
export const RevokeResultSchema = Type.Object({ auth_code: Str, revoked_at: Str });
export type RevokeResult = Static<typeof RevokeResultSchema>;

export const REDEMPTION_INTERFACES = ['get_license', 'token', 'archive'] as const;
export type RedemptionInterface = (typeof REDEMPTION_INTERFACES)[number];
export type AuthCodeOrigin = 'holder' | 'by_function' | 'issuer';

/** Who redeemed a code: in a use and in a `redeemed` event alike. */
const redeemerProps = {
  interface: Lit(REDEMPTION_INTERFACES),
  /** app_key of the redeeming access system. */
  system: OptStr,
  system_name: OptStr,
  org_name: OptStr,
  org_code: OptStr,
  operator_name: NullableStr,
};

/** One redemption of a holder's code (holder-minted or by-function). */
export const AuthCodeUseSchema = Type.Object({
  auth_code: Str,
  license_code: Str,
  license_item_code: OptStr,
  license_name: OptStr,
  service_item_code: NullableStr,
  service_item_name: NullableStr,
  /** How the code came to be: holder authorisation, by-function (6.7) or issuer. */
  origin: Opt(Lit(['holder', 'by_function', 'issuer'] as const), 'holder'),
  ...redeemerProps,
  biz_num: NullableStr,
  /** `YYYY-MM-DD HH:mm:ss` */
  time: Str,
});
export type AuthCodeUse = Static<typeof AuthCodeUseSchema>;

const RedeemedEventSchema = Type.Object({
  type: Type.Literal('redeemed'),
  cursor: OptStr,
  auth_code: Str,
  license_code: OptStr,
  ...redeemerProps,
  time: Str,
});
const RevokedEventSchema = Type.Object({ type: Type.Literal('revoked'), cursor: OptStr, auth_code: Str, license_code: OptStr, time: Str });
export const AuthCodeEventSchema = Type.Union([RedeemedEventSchema, RevokedEventSchema]);
export type AuthCodeEvent = Static<typeof AuthCodeEventSchema>;

export const AuthCodeEventsResultSchema = Type.Object({
  /** Events of a type this client does not know are dropped by the reader, not refused. */
  events: Type.Array(AuthCodeEventSchema),
  next: Str,
});
export type AuthCodeEventsResult = Static<typeof AuthCodeEventsResultSchema>;

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
