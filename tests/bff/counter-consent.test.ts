// Consent kept at the counter (issue 15): a code the holder authorised through this BFF for one
// service item is refused in a case for another, naming both; the result shows only what the
// case's service item receives, its head (holder, identity document, number) included.
import { describe, expect, it } from 'vitest';
import type { CounterRedemption } from '../../src/contract/counter.ts';
import { LICENSE_ITEM, SERVICE_ITEM } from '../../src/sandbox/catalogue-data.ts';
import { holderAndClerk } from '../support/holder-and-clerk.ts';

const bed = holderAndClerk();
const authorise = async (serviceItemCode: string): Promise<string> => (await bed.authorise(LICENSE_ITEM.marriage, serviceItemCode)).authCode;

describe('a code authorised for one service item', () => {
  it('is refused in a case for another item of the same organisation, naming both, and still honoured in its own', async () => {
    const code = await authorise(SERVICE_ITEM.realEstateRegistration);
    const wrong = await bed.staff.api<{ error: { code: string; message: string } }>('POST', '/api/counter/redeem', {
      body: { bizNum: 'DC2026-CON-01', serviceItemCode: SERVICE_ITEM.householdAffairs, authCode: code },
    });
    expect(wrong.status).toBe(409);
    expect(wrong.body.error.code).toBe('CODE_NOT_REDEEMABLE');
    expect(wrong.body.error.message).toContain('不动产登记');
    expect(wrong.body.error.message).toContain('户籍业务办理');
    const archive = await bed.staff.api('POST', '/api/counter/archive', {
      body: { bizNum: 'DC2026-CON-01', serviceItemCode: SERVICE_ITEM.householdAffairs, authCode: code },
    });
    expect(archive.status).toBe(409);

    // The refusal did not bind or spend the code: the consented item's case redeems it.
    const right = await bed.staff.api<CounterRedemption>('POST', '/api/counter/redeem', {
      body: { bizNum: 'DC2026-CON-02', serviceItemCode: SERVICE_ITEM.realEstateRegistration, authCode: code },
    });
    expect(right.status).toBe(200);
    expect(right.body.serviceItemName).toBe('不动产登记');
  });

  it('shows only the consented fields at the counter, the head of the result included', async () => {
    const code = await authorise(SERVICE_ITEM.realEstateRegistration);
    const res = await bed.staff.api<CounterRedemption>('POST', '/api/counter/redeem', {
      body: { bizNum: 'DC2026-CON-03', serviceItemCode: SERVICE_ITEM.realEstateRegistration, authCode: code },
    });
    expect(res.status).toBe(200);
    const r = res.body;
    if (bed.stack.config.sandbox.extensions.includes('data_item_keys')) {
      // 不动产登记 receives a 结婚证's names and date, not the holder's identity document.
      expect(r.fields.map((f) => f.key).sort()).toEqual(['CYRMC', 'DJRQ', 'POXM', 'ZZHM', 'ZZMC'].sort());
      expect(r.holderIdentityNum).toBeNull();
      expect(r.holderIdentityType).toBeNull();
      expect(r.holderName).toBe('张三');
      expect(r.issueOrgName).toBeNull();
      expect(r.issueDate).toBeNull();
      expect(JSON.stringify(r)).not.toContain('1101**********1233');
    } else {
      // Without the minimum-necessary extension the consent listed every field, and so does the counter.
      expect(r.holderIdentityNum).toBe('1101**********1233');
      expect(r.fields.some((f) => f.key === 'CYRSFZJHM')).toBe(true);
    }
  });
});
