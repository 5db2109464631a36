import { describe, expect, it } from 'vitest';
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import {
  AuthCodeEventsResultSchema, AuthCodeUseSchema, CatalogueEntrySchema, CurrentUserSchema, LicenseRecordSchema, ServiceItemSchema,
} from '../../src/contract/upstream.ts';
import { readAs, readRecord } from '../../src/bff/upstream/read.ts';

// Tolerant reading of license-app/v1 answers (issue 9): optional fields default, unknown fields
// are ignored, data_fields may be a JSON string or an object, a missing required field is named.

const base = { license_code: 'LC', license_item_code: 'X', name: '居民户口簿', license_status: 'ISSUED' };

describe('readRecord', () => {
  it.each([
    ['a JSON string', { data_fields: '{"HH":"1","XB":"男"}' }, { HH: '1', XB: '男' }],
    ['an object', { data_fields: { HH: '1' } }, { HH: '1' }],
    ['numbers and null as text', { data_fields: { N: 3, B: true, Z: null } }, { N: '3', B: 'true', Z: '' }],
    ['an empty string', { data_fields: '' }, {}],
    ['absent', {}, {}],
  ])('reads data_fields given as %s', (_what, extra, fields) => {
    expect(readRecord({ ...base, ...extra }, 'webpage').data_fields).toEqual(fields);
  });

  it('fills the optional fields and keeps going past unknown ones', () => {
    const r = readRecord({ ...base, vendor_field: { x: 1 } }, 'webpage');
    expect(r).toMatchObject({ holder_name: '', expiry_date: null, attachment_fields: [], license_type: 'CERTIFICATE' });
  });

  it.each([
    ['license_code', { ...base, license_code: undefined }],
    ['license_status', { ...base, license_status: 'LOST' }],
    ['data_fields', { ...base, data_fields: '{not json' }],
  ])('names %s when it is missing or wrong', (field, value) => {
    expect(() => readRecord(value, 'webpage')).toThrow(new RegExp(`字段 ${field}`));
  });
});

describe('readAs', () => {
  it('defaults the fields of nested items', () => {
    const entry = readAs(CatalogueEntrySchema, { license_item_code: 'X', name: 'n', data_items: [{ key: 'HH', name: '户号' }] }, 'catalog');
    expect(entry.data_items[0]).toMatchObject({ is_show: true, is_sensitive: false, data_type: 'string', index: 0 });
  });

  it('names the nested field that is missing', () => {
    expect(() => readAs(CatalogueEntrySchema, { license_item_code: 'X', name: 'n', data_items: [{ name: '户号' }] }, 'catalog')).toThrow(/data_items\/0\/key/);
  });
});

// Issue 11: the defaults are filled by a step planned once per schema instead of TypeBox's
// Value.Default on a deep copy. What a caller gets must not change: the same value as TypeBox's
// step gives, for answers missing any one optional field, or all of them.
describe('defaults as TypeBox fills them', () => {
  const complete = (schema: TSchema, required: Record<string, unknown>): Record<string, unknown> =>
    Value.Default(schema, structuredClone(required)) as Record<string, unknown>;
  const cases: Array<[string, TSchema, Record<string, unknown>]> = [
    ['a certificate record', LicenseRecordSchema, { ...base, data_fields: { HH: '1' }, attachment_fields: [{ name: 'a', attachment_code: 'x' }] }],
    ['a catalogue entry', CatalogueEntrySchema, { license_item_code: 'X', name: 'n', data_items: [{ key: 'HH', name: '户号' }, { key: 'XB', name: '性别', is_sensitive: true }] }],
    ['a service item', ServiceItemSchema, { service_item_code: 'S', name: 'n', org_name: 'o', org_code: 'c' }],
    ['a current user', CurrentUserSchema, { account: 'a', name: 'n' }],
    ['a use of a code', AuthCodeUseSchema, { auth_code: 'A', license_code: 'L', time: 't' }],
    ['an events answer', AuthCodeEventsResultSchema, { events: [], next: '1' }],
  ];

  it.each(cases)('gives %s the same fields, whichever optional ones are missing', (_what, schema, required) => {
    const full = complete(schema, required);
    const optional = Object.keys(full).filter((k) => !(k in required));
    const inputs = [required, ...optional.map((k) => Object.fromEntries(Object.entries(full).filter(([key]) => key !== k)))];
    for (const input of inputs) {
      const before = structuredClone(input);
      let expected: unknown;
      try {
        expected = Value.Default(schema, structuredClone(input));
      } catch {
        continue;
      }
      if (!Value.Check(schema, expected)) continue; // a required field of this schema not in the sample
      expect(readAs(schema, input, 'x')).toEqual(expected);
      expect(input).toEqual(before); // the answer itself is never changed
    }
  });

  it('shares the parts of an answer it adds nothing to, instead of copying them', () => {
    const fields = { HH: '1', XB: '男' };
    const attachments = [{ name: 'a', attachment_code: 'x', file_type: 'pdf', is_license_image: false, description: '' }];
    const r = readRecord({ ...base, data_fields: fields, attachment_fields: attachments }, 'webpage');
    expect(r.holder_name).toBe('');
    expect(r.data_fields).toBe(fields);
    expect(r.attachment_fields[0]).toBe(attachments[0]);
  });
});
