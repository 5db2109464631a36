import { describe, expect, it } from 'vitest';
import { CatalogueEntrySchema } from '../../src/contract/upstream.ts';
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
