// Which service items a citizen is offered (issue 15): the issuer's own 电子证照制发 never, another
// organisation's real item (个体工商户设立登记 of 北京市市场监督管理局) yes, beside the counter's own.
import { describe, expect, it } from 'vitest';
import type { ServiceItemListResponse } from '../../src/contract/bff.ts';
import { LICENSE_ITEM } from '../../src/sandbox/catalogue-data.ts';
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
