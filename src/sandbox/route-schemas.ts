// The license-app/v1 request and answer schemas the sandbox's routes validate with: the envelope
// (section 5), tokens, operators, and the issuer's and redeemer's bodies and queries.
import { Type, type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import { envelopeOf } from '../contract/upstream.ts';
import { ApiError } from './wire.ts';

/**
 * A route's answers, from the contract (src/contract/upstream.ts): the envelope with this route's
 * `data` on HTTP 2xx, null `data` on a refusal or a protocol fault. Fastify serialises with them,
 * so the sandbox cannot send a shape the contract does not describe.
 */
export function answers(data: TSchema) {
  const success = forSerialiser(envelopeOf((data as Json).type === 'null' ? data : ({ ...data, nullable: true } as TSchema)) as unknown as Json);
  return { response: { '2xx': success, '4xx': Refusal, '5xx': Refusal } };
}

type Json = Record<string, unknown>;
/**
 * The same shape in the words fast-json-stringify is fast with (bench:wire): `X or null` as
 * `nullable` and an enum with its type, instead of unions it would settle per value by running
 * a validator on every field of every answer.
 */
export function forSerialiser(schema: Json): Json {
  const out: Json = { ...schema };
  const branches = schema.anyOf as Json[] | undefined;
  const nonNull = branches?.filter((b) => b.type !== 'null');
  if (branches && nonNull?.length === 1 && branches.length === 2) {
    delete out.anyOf;
    return { ...forSerialiser(nonNull[0]!), ...out, nullable: true };
  }
  if (Array.isArray(schema.enum) && schema.type === undefined) out.type = typeof schema.enum[0];
  for (const key of ['properties', 'patternProperties'] as const) {
    const props = schema[key] as Record<string, Json> | undefined;
    if (props) out[key] = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, forSerialiser(v)]));
  }
  if (schema.items) out.items = forSerialiser(schema.items as Json);
  if (branches && !out.nullable) out.anyOf = branches.map(forSerialiser);
  return out;
}
const Refusal = forSerialiser(envelopeOf(Type.Null()) as unknown as Json);
export const NoData = answers(Type.Null());

export const Str = (max = 200) => Type.String({ minLength: 1, maxLength: max });
export const OptStr = (max = 200) => Type.Optional(Type.String({ maxLength: max }));
export const DateStr = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
export const RequestId = OptStr(128);
// Optional in the schema so that a missing token answers INVALID_ACCESS_TOKEN, not a 400.
export const OptAccessToken = Type.Optional(Type.String({ maxLength: 128 }));
export const TokenQuery = Type.Object({ access_token: OptAccessToken, request_id: RequestId });
// Every field present (as the contract's Operator), only account and name must be non-empty.
export const Operator = Type.Object({
  account: Str(64), name: Str(64), identity_num: Type.String({ maxLength: 32 }), role: Type.String({ maxLength: 64 }),
  service_org: Type.String({ maxLength: 200 }), service_org_code: Type.String({ maxLength: 64 }), division: Type.String({ maxLength: 64 }),
  division_code: Type.String({ maxLength: 32 }),
});
export const DataFields = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 4000 }));
export const ItemCodeParams = Type.Object({ license_item_code: Type.String({ minLength: 1, maxLength: 64 }) });
export const CreateItem = Type.Object({
  service_item_code: Type.String({ maxLength: 64 }), service_item_name: Type.String({ maxLength: 200 }), biz_num: OptStr(64),
  license_group: OptStr(64), seal_code: OptStr(64), id_code: Type.Optional(Str(128)), holder_name: Str(200),
  holder_identity_type: Str(8), holder_identity_num: Str(1000), begin_date: Type.Optional(DateStr), expiry_date: Type.Optional(DateStr),
  data_fields: DataFields,
});
/** A batch item as the service takes it, or the refusal that item alone gets. */
export function checkItem(item: unknown): Static<typeof CreateItem> | ApiError {
  if (Value.Check(CreateItem, item)) return item;
  const first = Value.Errors(CreateItem, item)[0];
  return new ApiError('INVALID_REQUEST', `请求参数不合法：${first?.instancePath ?? ''} ${first?.message ?? ''}`.trim(), { innerCode: 'SCHEMA' });
}
export const Wrapped = <T extends TSchema>(data: T) => Type.Object({ data, request_id: RequestId });
export const LicenseRef = { license_code: Type.Optional(Str(64)), id_code: Type.Optional(Str(128)) };
export const redeemQueryProps = {
  auth_code: Str(128), access_token: OptAccessToken, request_id: RequestId,
  // Extension: who at the counter redeems and for which case, recorded with the redemption.
  operator_name: OptStr(64), biz_num: OptStr(64),
  show_sensitive_data: Type.Optional(Type.Boolean()),
};
export const RedeemQuery = Type.Object(redeemQueryProps);
