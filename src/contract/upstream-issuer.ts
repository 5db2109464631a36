// The issuer's side of license-app/v1 (DB11/T 2290-2024 6.4 production, 6.5 operation and
// publication): request bodies and results the sandbox takes. Re-exported by upstream.ts.
import { Type, type Static } from 'typebox';
import { UpstreamErrorSchema, type WithRequestId } from './upstream-envelope.ts';
import type { DataFields, Operator } from './upstream.ts';

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
/** create and change: the certificate made and a 24 h code for it. */
export const CreateLicenseResultSchema = Type.Object({ license_code: Type.String(), auth_code: Type.String() });
export type CreateLicenseResult = Static<typeof CreateLicenseResultSchema>;
/** update */
export const LicenseCodeResultSchema = Type.Object({ license_code: Type.String() });
/** create_attachment */
export const AttachmentResultSchema = Type.Object({ attachment_code: Type.String() });

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
export interface AbolishLicenseData {
  license_code?: string;
  id_code?: string;
  abolish_reason: string;
  biz_num?: string;
  operator: Operator;
}

export const BatchIssueItemResultSchema = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  ack_code: Type.Enum(['SUCCESS', 'FAILURE'] as const),
  license_code: Type.Optional(Type.String()),
  auth_code: Type.Optional(Type.String()),
  errors: Type.Array(UpstreamErrorSchema),
});
export type BatchIssueItemResult = Static<typeof BatchIssueItemResultSchema>;
/** batch_issue: one result per item, in order; one bad item never fails the others. */
export const BatchIssueResultSchema = Type.Object({ results: Type.Array(BatchIssueItemResultSchema) });
