// A BFF stack with 张三 signed in on his phone and 赵六 (staff01) at the counter, for tests of what
// passes between them; the certificate's code by catalogue entry, and an authorisation helper.
import { afterAll, beforeAll, expect } from 'vitest';
import type { Authorisation, LicenseListResponse } from '../../src/contract/bff.ts';
import { BffClient } from './bff-client.ts';
import { startBffStack, type BffStack } from './bff-stack.ts';

export interface HolderAndClerk {
  stack: BffStack;
  holder: BffClient;
  staff: BffClient;
  /** 张三's certificate of this catalogue entry. */
  licenseCode: (licenseItemCode: string) => string;
  /** 张三 authorises `licenseItemCode` for `serviceItemCode` through the BFF, as the consent page does. */
  authorise: (licenseItemCode: string, serviceItemCode: string) => Promise<Authorisation>;
}

export function holderAndClerk(): HolderAndClerk {
  let licenses: LicenseListResponse['licenses'] = [];
  let n = 0;
  const bed = {} as HolderAndClerk;
  beforeAll(async () => {
    bed.stack = await startBffStack();
    bed.holder = new BffClient(bed.stack.origin);
    bed.staff = new BffClient(bed.stack.origin);
    await Promise.all([bed.holder.login('zhangsan'), bed.staff.login('staff01')]);
    licenses = (await bed.holder.api<LicenseListResponse>('GET', '/api/licenses')).body.licenses;
  });
  afterAll(async () => bed.stack?.close());
  bed.licenseCode = (licenseItemCode) => {
    const found = licenses.find((c) => c.licenseItemCode === licenseItemCode);
    if (!found) throw new Error(`张三 has no ${licenseItemCode}`);
    return found.licenseCode;
  };
  bed.authorise = async (licenseItemCode, serviceItemCode) => {
    const res = await bed.holder.api<Authorisation>('POST', '/api/authorisations', {
      body: { licenseCode: bed.licenseCode(licenseItemCode), serviceItemCode, validitySeconds: 300, idempotencyKey: `bed-${++n}-${Date.now()}`, sensitiveConsent: true },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  return bed;
}
