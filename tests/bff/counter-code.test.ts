// The counter code over real HTTP (issue 15): 17 digits beside the QR, typed at the counter with
// spaces or dashes; its check digit refused before any lookup; honoured only by the counter of the
// organisation the holder authorised, and only while the full code is.
import { describe, expect, it } from 'vitest';
import type { Authorisation } from '../../src/contract/bff.ts';
import type { CounterRedemption } from '../../src/contract/counter.ts';
import { groupCounterCode, hasValidCheckDigit } from '../../src/contract/counter-code.ts';
import { LICENSE_ITEM, SERVICE_ITEM } from '../../src/sandbox/catalogue-data.ts';
import { holderAndClerk } from '../support/holder-and-clerk.ts';

const bed = holderAndClerk();
let n = 0;
const authorise = (serviceItemCode: string): Promise<Authorisation> => bed.authorise(LICENSE_ITEM.householdRegister, serviceItemCode);

const redeem = (authCode: string, serviceItemCode: string = SERVICE_ITEM.householdAffairs) =>
  bed.staff.api<CounterRedemption & { error?: { code: string; message: string } }>('POST', '/api/counter/redeem', {
    body: { bizNum: `DC2026-NUM-${++n}`, serviceItemCode, authCode },
  });

describe('the counter code', () => {
  it('is shown beside the QR and redeems typed with spaces or dashes, like the full code', async () => {
    const auth = await authorise(SERVICE_ITEM.householdAffairs);
    expect(auth.counterCode).toMatch(/^\d{17}$/);
    expect(hasValidCheckDigit(auth.counterCode!)).toBe(true);
    expect(auth.counterCode).not.toBe((await authorise(SERVICE_ITEM.householdAffairs)).counterCode);

    const spaced = await redeem(` ${groupCounterCode(auth.counterCode!)} `);
    expect(spaced.status).toBe(200);
    expect(spaced.body.name).toContain('户口');
    const dashed = auth.counterCode!.replace(/(\d{4})(?=\d)/g, '$1-');
    expect((await redeem(dashed)).status).toBe(200);
    // The full code as the holder's screen groups it is taken too.
    expect((await redeem(auth.authCode.replace(/(.{4})/g, '$1 '))).status).toBe(200);
  });

  it('refuses a wrong check digit in words, and an unknown code without saying whose it might be', async () => {
    const auth = await authorise(SERVICE_ITEM.householdAffairs);
    const code = auth.counterCode!;
    const wrongLast = code.slice(0, -1) + String((Number(code.at(-1)) + 1) % 10);
    const bad = await redeem(wrongLast);
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toContain('校验位');

    // A well-formed code (seventeen zeros carry a valid check digit) that no live code has is simply unknown.
    const unknown = await redeem('0'.repeat(17));
    expect(unknown.status).toBe(409);
    expect(unknown.body.error?.message).toContain('数字码无效或已失效');
  });

  it("works only at the counter of the organisation the holder authorised", async () => {
    // 个体工商户设立登记 belongs to 北京市市场监督管理局, not to staff01's 东城区政务服务中心: this counter cannot look its code up.
    const auth = await authorise(SERVICE_ITEM.soleTraderRegistration);
    expect(auth.counterCode).toMatch(/^\d{17}$/);
    const res = await redeem(auth.counterCode!);
    expect(res.status).toBe(409);
    expect(res.body.error?.message).toContain('数字码无效或已失效');
  });

  it('dies with the full code: a revoked code (where the service can revoke) has no counter code', async ({ skip }) => {
    if (!bed.stack.config.sandbox.extensions.includes('revoke')) skip();
    const auth = await authorise(SERVICE_ITEM.householdAffairs);
    expect((await bed.holder.api('POST', `/api/authorisations/${auth.id}/revoke`)).status).toBe(200);
    const after = await bed.holder.api<Authorisation>('GET', `/api/authorisations/${auth.id}`);
    expect(after.body.counterCode).toBeNull();
    const res = await redeem(auth.counterCode!);
    expect(res.status).toBe(409);
    expect(res.body.error?.message).toContain('数字码无效或已失效');
  });

  it('lets one staff member type at most 10 counter codes a minute', async () => {
    let limited: Awaited<ReturnType<typeof redeem>> | undefined;
    for (let i = 0; i < 11 && !limited; i++) {
      const res = await redeem('0'.repeat(17));
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(409);
    }
    expect(limited?.body.error?.code).toBe('RATE_LIMITED');
    expect(limited?.body.error?.message).toContain('每分钟最多 10 次');
  });
});
