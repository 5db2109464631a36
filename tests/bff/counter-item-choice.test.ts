// Which service items a citizen is offered (issue 15): the issuer's own 电子证照制发 never, another
// organisation's real item (个体工商户设立登记 of 北京市市场监督管理局) yes, beside the counter's own.
import { describe, expect, it } from 'vitest';
import type { ServiceItemListResponse } from '../../src/contract/bff.ts';
import { LICENSE_ITEM } from '../../src/sandbox/catalogue-data.ts';
import { isIssuerWork } from '../../src/bff/services/holder-items.ts';
import { holderAndClerk } from '../support/holder-and-clerk.ts';

const bed = holderAndClerk();

describe("the citizen's list of service items", () => {
  it.each([
    ['居民户口簿', LICENSE_ITEM.householdRegister, ['户籍业务办理', '不动产登记', '就业登记', '个体工商户设立登记']],
    ['结婚证', LICENSE_ITEM.marriage, ['户籍业务办理', '不动产登记']],
  ])('for the %s lists the items that use it, not the issuer’s own', async (_name, licenseItemCode, expected) => {
    const res = await bed.holder.api<ServiceItemListResponse>('GET', `/api/licenses/${bed.licenseCode(licenseItemCode)}/service-items`);
    expect(res.status).toBe(200);
    const names = res.body.serviceItems.map((s) => s.name);
    expect(names).not.toContain('电子证照制发');
    for (const name of expected) expect(names).toContain(name);
  });
});

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
