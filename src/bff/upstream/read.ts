// Reading license-app/v1 answers against the contract's schemas (src/contract/upstream.ts): an
// optional field the upstream leaves out takes its default, unknown extra fields are ignored, and
// a missing or mistyped required field is UPSTREAM_ERROR naming that field, never a crash later.
// Each schema is compiled once, on first use; an answer that is already complete is checked by
// the compiled code alone. One that lacks optional fields gets them from a filler planned once per
// schema, which copies only the objects it adds to (issue 11: TypeBox's Value.Default walks the
// whole schema and needs a deep copy of the answer first); TypeBox's own defaults step remains
// for schemas the filler does not plan (defaults under a union, record or reference), and for
// any answer the filled copy still fails, so refusals name the same field as before.
import type { Static, TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { AuthCodeEventSchema, LicenseRecordSchema, type AuthCodeEvent, type LicenseRecord } from '../../contract/upstream.ts';
import { malformedAnswer } from './errors.ts';

/** Fills defaults into a value without changing it: the same value when nothing was missing, else a copy. */
type Filler = (value: unknown) => unknown;

interface Reader {
  validator: Validator;
  /** null: the schema declares no default at all; undefined: not planned, TypeBox's step is used. */
  filler: Filler | null | undefined;
}

const readers = new WeakMap<TSchema, Reader>();

function readerOf(schema: TSchema): Reader {
  let reader = readers.get(schema);
  if (!reader) {
    reader = { validator: Compile(schema) as Validator, filler: plannedFiller(schema) };
    readers.set(schema, reader);
  }
  return reader;
}

class Unplanned extends Error {}
type Schema = Record<string, unknown>;
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Whether `schema` declares a default anywhere below itself (its own, with `own`); a reference cannot be followed. */
function declaresDefault(schema: unknown, own = true): boolean {
  if (!isPlainObject(schema)) return false;
  if ('$ref' in schema || '$defs' in schema) throw new Unplanned();
  if (own && 'default' in schema) return true;
  return Object.values(schema).some((v) => (Array.isArray(v) ? v.some((x) => declaresDefault(x)) : declaresDefault(v)));
}

function plannedFiller(schema: TSchema): Filler | null | undefined {
  try {
    return fillerOf(schema as Schema);
  } catch (err) {
    if (err instanceof Unplanned) return undefined;
    throw err;
  }
}

/** TypeBox's Value.Default for objects, arrays and plain defaults, as a function planned once. */
function fillerOf(schema: Schema): Filler | null {
  if (!declaresDefault(schema)) return null;
  const hasOwn = 'default' in schema;
  const own = schema.default;
  if (typeof own === 'function') throw new Unplanned();
  const inner = declaresDefault(schema, false) ? innerFiller(schema) : null;
  if (!hasOwn) return inner;
  return (value) => {
    const v = value === undefined ? (isPlainObject(own) ? structuredClone(own) : own) : value;
    return inner ? inner(v) : v;
  };
}

function innerFiller(schema: Schema): Filler {
  if (schema.type === 'object' && isPlainObject(schema.properties) && !isPlainObject(schema.additionalProperties) && !('patternProperties' in schema)) {
    const fields = Object.entries(schema.properties).flatMap(([key, s]) => {
      const fill = fillerOf(s as Schema);
      return fill ? [[key, fill] as const] : [];
    });
    return (value) => {
      if (!isPlainObject(value)) return value;
      let out = value;
      for (const [key, fill] of fields) {
        const current = value[key];
        const next = fill(current);
        if (next === current || next === undefined) continue;
        if (out === value) out = Array.isArray(value) ? Object.assign([...value], value) : { ...value };
        out[key] = next;
      }
      return out;
    };
  }
  if (schema.type === 'array' && isPlainObject(schema.items)) {
    const fill = fillerOf(schema.items);
    if (!fill) return (value) => value;
    return (value) => {
      if (!Array.isArray(value)) return value;
      let out: unknown[] | null = null;
      value.forEach((item, i) => {
        const next = fill(item);
        if (next !== item) (out ??= [...value])[i] = next;
      });
      return out ?? value;
    };
  }
  // A union, intersection, record or tuple with defaults inside: TypeBox's rules for those are not restated here.
  throw new Unplanned();
}

/** The field an error is about: `data_items/2/key`, or the first missing required property. */
function fieldOf(error: { instancePath: string; params?: unknown }): string {
  const missing = (error.params as { requiredProperties?: string[] } | undefined)?.requiredProperties?.[0];
  const path = error.instancePath.replace(/^\//, '');
  return [path, missing].filter(Boolean).join('/') || '(root)';
}

/** `value` as `schema` with defaults filled in, or the validator's verdict on why not. */
function fill({ validator, filler }: Reader, value: unknown): { ok: true; value: unknown } | { ok: false; filled: unknown } {
  if (validator.Check(value)) return { ok: true, value };
  if (filler) {
    const planned = filler(value);
    if (planned !== value && validator.Check(planned)) return { ok: true, value: planned };
  }
  const filled = validator.Default(structuredClone(value));
  return validator.Check(filled) ? { ok: true, value: filled } : { ok: false, filled };
}

/** `value` read as `schema`, defaults filled in; throws UPSTREAM_ERROR naming the first bad field. */
export function readAs<S extends TSchema>(schema: S, value: unknown, what: string): Static<S> {
  const reader = readerOf(schema);
  const { validator } = reader;
  const result = fill(reader, value);
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
  const reader = readerOf(AuthCodeEventSchema);
  const known: AuthCodeEvent[] = [];
  for (const event of value) {
    const result = fill(reader, event);
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
