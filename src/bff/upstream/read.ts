// Reading license-app/v1 answers against the contract's schemas (src/contract/upstream.ts): an
// optional field the upstream leaves out takes its default, unknown extra fields are ignored, and
// a missing or mistyped required field is UPSTREAM_ERROR naming that field, never a crash later.
// Each schema is compiled once, on first use; an answer that is already complete is checked by
// the compiled code alone, and only one that lacks optional fields is copied to fill them in.
import type { Static, TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { AuthCodeEventSchema, LicenseRecordSchema, type AuthCodeEvent, type LicenseRecord } from '../../contract/upstream.ts';
import { malformedAnswer } from './errors.ts';

const validators = new WeakMap<TSchema, Validator>();

function validatorOf(schema: TSchema): Validator {
  let validator = validators.get(schema);
  if (!validator) {
    validator = Compile(schema) as Validator;
    validators.set(schema, validator);
  }
  return validator;
}

/** The field an error is about: `data_items/2/key`, or the first missing required property. */
function fieldOf(error: { instancePath: string; params?: unknown }): string {
  const missing = (error.params as { requiredProperties?: string[] } | undefined)?.requiredProperties?.[0];
  const path = error.instancePath.replace(/^\//, '');
  return [path, missing].filter(Boolean).join('/') || '(root)';
}

/** `value` as `schema` with defaults filled in, or the validator's verdict on why not. */
function fill(validator: Validator, value: unknown): { ok: true; value: unknown } | { ok: false; filled: unknown } {
  if (validator.Check(value)) return { ok: true, value };
  const filled = validator.Default(structuredClone(value));
  return validator.Check(filled) ? { ok: true, value: filled } : { ok: false, filled };
}

/** `value` read as `schema`, defaults filled in; throws UPSTREAM_ERROR naming the first bad field. */
export function readAs<S extends TSchema>(schema: S, value: unknown, what: string): Static<S> {
  const validator = validatorOf(schema);
  const result = fill(validator, value);
  if (!result.ok) throw malformedAnswer(what, fieldOf(validator.Errors(result.filled)[0] ?? { instancePath: '' }));
  return result.value as Static<S>;
}

/** A list answer; `data: null` is an empty list, anything but an array is malformed. */
export function readListAs<S extends TSchema>(schema: S, value: unknown, what: string): Array<Static<S>> {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw malformedAnswer(what, 'data');
  return value.map((v, i) => readAs(schema, v, `${what}[${i}]`));
}

/**
 * The feed's events this client understands. An event of an unknown kind, or one it cannot read,
 * is skipped rather than refused: refusing would stall the feed on that cursor for good.
 */
export function readKnownEvents(value: unknown, what: string): AuthCodeEvent[] {
  if (!Array.isArray(value)) throw malformedAnswer(what, 'events');
  const validator = validatorOf(AuthCodeEventSchema);
  const known: AuthCodeEvent[] = [];
  for (const event of value) {
    const result = fill(validator, event);
    if (result.ok) known.push(result.value as AuthCodeEvent);
  }
  return known;
}

/**
 * A certificate record from any interface. The spec sends `data_fields` as a JSON string in
 * get_license and as an object elsewhere; implementations differ, so every record accepts both.
 */
export function readRecord(value: unknown, what: string): LicenseRecord {
  let v = value;
  if (v && typeof v === 'object' && typeof (v as { data_fields?: unknown }).data_fields === 'string') {
    const text = (v as { data_fields: string }).data_fields;
    let parsed: unknown;
    try {
      parsed = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw malformedAnswer(what, 'data_fields');
    }
    v = { ...(v as object), data_fields: parsed };
  }
  const fields = v && typeof v === 'object' ? (v as { data_fields?: unknown }).data_fields : undefined;
  if (fields && typeof fields === 'object' && !Array.isArray(fields) && !Object.values(fields).every((x) => typeof x === 'string')) {
    // Face values are text; numbers and booleans are shown as sent, null as empty.
    const text: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(fields)) text[k] = x === null ? '' : typeof x === 'number' || typeof x === 'boolean' ? String(x) : x;
    v = { ...(v as object), data_fields: text };
  }
  return readAs(LicenseRecordSchema, v, what);
}

/** `auth_codes`, parallel to `data` (license/holder, license/auth): one non-empty code per record. */
export function readAuthCodes(env: { auth_codes?: unknown }, count: number, what: string): string[] {
  const codes = env.auth_codes ?? [];
  if (!Array.isArray(codes) || codes.length !== count || !codes.every((c) => typeof c === 'string' && c !== '')) throw malformedAnswer(what, 'auth_codes');
  return codes as string[];
}

export function readRecords(value: unknown, what: string): LicenseRecord[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw malformedAnswer(what, 'data');
  return value.map((v, i) => readRecord(v, `${what}[${i}]`));
}
