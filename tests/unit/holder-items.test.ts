import { describe, expect, it } from 'vitest';
import { isIssuerWork } from '../../src/bff/services/holder-items.ts';
import { lastUsedFirst } from '../../src/web/components/usage/usage-format.ts';

const admins: Record<string, string> = { HJ: 'police', HY: 'civil', YYZZ: 'market' };
const adminOf = (code: string) => admins[code];

describe('isIssuerWork', () => {
  it.each([
    ['accepts only its own organisation’s certificates', { orgCode: 'police', licenseItemCodes: ['HJ'] }, true],
    ['accepts all of them, every one its own', { orgCode: 'civil', licenseItemCodes: ['HY'] }, true],
    ['accepts another organisation’s certificate too', { orgCode: 'market', licenseItemCodes: ['YYZZ', 'HJ'] }, false],
    ['belongs to an organisation administering nothing', { orgCode: 'centre', licenseItemCodes: ['HJ', 'HY'] }, false],
    ['accepts nothing', { orgCode: 'police', licenseItemCodes: [] }, false],
    ['accepts a certificate of unknown administration', { orgCode: 'police', licenseItemCodes: ['UNKNOWN'] }, false],
  ])('an item that %s: %s', (_what, item, expected) => {
    expect(isIssuerWork({ serviceItemCode: 'X', ...item }, adminOf)).toBe(expected);
  });
});

describe('lastUsedFirst', () => {
  const items = ['A', 'B', 'C'].map((serviceItemCode) => ({ serviceItemCode }));
  it.each([
    [null, 'ABC'],
    ['A', 'ABC'],
    ['C', 'CAB'],
    ['B', 'BAC'],
    ['Z', 'ABC'],
  ])('last used %s gives %s', (last, order) => {
    expect(lastUsedFirst(items, last).map((i) => i.serviceItemCode).join('')).toBe(order);
  });
});
