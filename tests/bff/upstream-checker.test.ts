import { describe, expect, it } from 'vitest';
import {
  AuthCodeUseSchema, CatalogueEntrySchema, CurrentUserSchema, LicenseTokenResultSchema, ServiceItemSchema,
} from '../../src/contract/upstream.ts';
import { readAs, readKnownEvents, readRecord } from '../../src/bff/upstream/read.ts';
import { UpstreamUnavailableError } from '../../src/bff/upstream/errors.ts';

// The upstream client's checker, as a table (pure, no server): each license-app/v1 answer against its contract schema. Extra
// fields pass, optional ones default, a missing or mistyped required field is UPSTREAM_ERROR (502)
// naming that field, so the page says what the service got wrong instead of failing later.

const record = { license_code: 'LC', license_item_code: 'X', name: '居民户口簿', license_status: 'ISSUED' };
const use = { auth_code: 'A', license_code: 'LC', interface: 'get_license', time: '2026-11-28 10:00:00' };

function refusal(read: () => unknown): UpstreamUnavailableError {
  try {
    read();
  } catch (err) {
    if (err instanceof UpstreamUnavailableError) return err;
    throw err;
  }
  throw new Error('the answer was accepted');
}

describe('reading an answer against the contract', () => {
  it.each([
    ['token with a vendor field', () => readAs(LicenseTokenResultSchema, { license_access_token: 't', expiry_date: '2026-11-28 10:10:00', vendor: 1 }, 'token')],
    ['record with an unknown nested object', () => readRecord({ ...record, vendor_seal: { id: 1 } }, 'webpage')],
    ['current user with only its account', () => readAs(CurrentUserSchema, { account: 'counter01' }, 'get_current_user')],
    ['service item without the data_item_keys extension', () => readAs(ServiceItemSchema, { service_item_code: 'S', name: '事项' }, 'service_item/list')],
    ['use with the optional fields left out', () => readAs(AuthCodeUseSchema, use, 'uses')],
  ])('accepts a %s', (_what, read) => {
    expect(read).not.toThrow();
  });

  it.each([
    ['token without license_access_token', () => readAs(LicenseTokenResultSchema, { expiry_date: '2026-11-28' }, 'token'), 'license_access_token'],
    ['record without license_code', () => readRecord({ ...record, license_code: undefined }, 'webpage'), 'license_code'],
    ['current user without account', () => readAs(CurrentUserSchema, { name: '赵六' }, 'get_current_user'), 'account'],
    ['catalogue face field without key', () => readAs(CatalogueEntrySchema, { license_item_code: 'X', name: 'n', data_items: [{ name: '户号' }] }, 'catalog'), 'data_items/0/key'],
    ['token whose expiry_date is a number', () => readAs(LicenseTokenResultSchema, { license_access_token: 't', expiry_date: 1764295800 }, 'token'), 'expiry_date'],
    ['record whose license_status is unknown', () => readRecord({ ...record, license_status: 'LOST' }, 'webpage'), 'license_status'],
    ['current user whose org is a string', () => readAs(CurrentUserSchema, { account: 'c', service_org: 'org' }, 'get_current_user'), 'service_org'],
    ['use whose interface is unknown', () => readAs(AuthCodeUseSchema, { ...use, interface: 'print' }, 'uses'), 'interface'],
  ])('refuses a %s, naming %s', (_what, read, field) => {
    const err = refusal(read);
    expect(err.statusCode).toBe(502);
    expect(err.code).toBe('UPSTREAM_ERROR');
    expect(err.message).toContain(`字段 ${field}`);
  });

  it('fills defaults without touching the answer it was given', () => {
    const answer = { license_item_code: 'X', name: 'n', data_items: [{ key: 'HH', name: '户号' }] };
    const entry = readAs(CatalogueEntrySchema, answer, 'catalog');
    expect(entry.data_items[0]).toMatchObject({ is_show: true, is_sensitive: false });
    expect(answer.data_items[0]).toEqual({ key: 'HH', name: '户号' });
  });
});

describe('reading the events feed', () => {
  it('keeps the events it knows and skips unknown kinds and unreadable ones, so the feed moves on', () => {
    const events = readKnownEvents([
      { type: 'revoked', cursor: '1', auth_code: 'A', license_code: 'LC', time: 't' },
      { type: 'printed', auth_code: 'B', time: 't' },
      { type: 'redeemed', auth_code: 'C', time: 't' },
      { type: 'redeemed', auth_code: 'D', interface: 'token', time: 't' },
    ], 'events');
    expect(events.map((e) => e.auth_code)).toEqual(['A', 'D']);
  });

  it('refuses a feed answer without its list, naming events', () => {
    expect(refusal(() => readKnownEvents(undefined, 'events')).message).toContain('字段 events');
  });
});
