// Reading license-app/v1 answers against the contract's schemas (src/contract/upstream.ts): an
// optional field the upstream leaves out takes its default, unknown extra fields are ignored, and
// a missing or mistyped required field is UPSTREAM_ERROR naming that field, never a crash later.
import type { Static, TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import Value from 'typebox/value';
import { LicenseRecordSchema, type LicenseRecord } from '../../contract/upstream.ts';
import { malformedAnswer } from './errors.ts';

/** The field an error is about: `data_items/2/key`, or the first missing required property. */
function fieldOf(error: { instancePath: string; params?: unknown }): string {
  const missing = (error.params as { requiredProperties?: string[] } | undefined)?.requiredProperties?.[0];
  const path = error.instancePath.replace(/^\//, '');
  return [path, missing].filter(Boolean).join('/') || '(root)';
}

// Compiled once per schema: every wallet read checks each record, and the interpreted check plus
// an error list built for every valid answer was a fifth of /api/licenses (docs/performance.md).
const validators = new WeakMap<TSchema, Validator>();
function validatorOf(schema: TSchema): Validator {
  let v = validators.get(schema);
  if (!v) validators.set(schema, (v = Compile(schema)));
  return v;
}

/** `value` read as `schema`, defaults filled in; throws UPSTREAM_ERROR naming the first bad field. */
export function readAs<S extends TSchema>(schema: S, value: unknown, what: string): Static<S> {
  const filled = Value.Default(schema, Value.Clone(value)) as unknown;
  const validator = validatorOf(schema);
  if (validator.Check(filled)) return filled as Static<S>;
  const first = validator.Errors(filled)[0];
  throw malformedAnswer(what, first ? fieldOf(first) : '(root)');
}

/** A list answer; `data: null` is an empty list, anything but an array is malformed. */
export function readListAs<S extends TSchema>(schema: S, value: unknown, what: string): Array<Static<S>> {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw malformedAnswer(what, 'data');
  return value.map((v, i) => readAs(schema, v, `${what}[${i}]`));
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
  if (fields && typeof fields === 'object' && !Array.isArray(fields)) {
    // Face values are text; numbers and booleans are shown as sent, null as empty.
    const text: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(fields)) text[k] = x === null ? '' : typeof x === 'number' || typeof x === 'boolean' ? String(x) : x;
    v = { ...(v as object), data_fields: text };
  }
  return readAs(LicenseRecordSchema, v, what);
}

export function readRecords(value: unknown, what: string): LicenseRecord[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw malformedAnswer(what, 'data');
  return value.map((v, i) => readRecord(v, `${what}[${i}]`));
}
