// 扫码授权 over real HTTP (issue 15): the counter starts a request for its case and service item,
// the citizen reads who asks and answers it with an authorisation for exactly that item, and the
// counter that asked, and no one else, receives the redemption once, with only the consented fields.
import { describe, expect, it } from 'vitest';
import type { Authorisation } from '../../src/contract/bff.ts';
import type { CounterRedemption } from '../../src/contract/counter.ts';
import type { CounterRequestCreated, HolderRequestView } from '../../src/contract/counter-request.ts';
import { LICENSE_ITEM, SERVICE_ITEM } from '../../src/sandbox/catalogue-data.ts';
import { BffClient } from '../support/bff-client.ts';
import { holderAndClerk } from '../support/holder-and-clerk.ts';

interface CounterStatus {
  state: string;
  message: string | null;
  result: CounterRedemption | null;
}
type Failure = { error: { code: string; message: string } };

const bed = holderAndClerk();
let n = 0;

async function startRequest(serviceItemCode: string = SERVICE_ITEM.realEstateRegistration): Promise<CounterRequestCreated> {
  const res = await bed.staff.api<CounterRequestCreated>('POST', '/api/counter/requests', { body: { bizNum: `DC2026-REQ-${++n}`, serviceItemCode } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}
const poll = (id: string) => bed.staff.api<CounterStatus & Failure>('GET', `/api/counter/requests/${id}`);
const answer = (id: string, a: Authorisation, who: BffClient = bed.holder) =>
  who.api<HolderRequestView & Failure>('POST', `/api/requests/${id}/answer`, { body: { authorisationId: a.id } });

describe('a request the counter starts', () => {
  it('shows the citizen who asks for what, and hands the counter the consented fields once', async () => {
    const req = await startRequest();
    expect(req.url).toMatch(new RegExp(`/r/${req.id}$`));
    expect(req.id).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const seen = await bed.holder.api<HolderRequestView>('GET', `/api/requests/${req.id}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ orgName: '北京市东城区政务服务中心', serviceItemName: '不动产登记', bizNum: req.bizNum, state: 'waiting' });
    expect(seen.body.licenseItemCodes).toContain(LICENSE_ITEM.householdRegister);
    expect((await poll(req.id)).body).toMatchObject({ state: 'waiting', result: null });

    const auth = await bed.authorise(LICENSE_ITEM.householdRegister, SERVICE_ITEM.realEstateRegistration);
    expect((await answer(req.id, auth)).body.state).toBe('answered');

    const got = await poll(req.id);
    expect(got.status).toBe(200);
    expect(got.body.state).toBe('done');
    const result = got.body.result!;
    expect(result.name).toContain('户口');
    expect(result.bizNum).toBe(req.bizNum);
    if (bed.stack.config.sandbox.extensions.includes('data_item_keys')) {
      // 不动产登记 receives of a 户口簿 only its identification, the holder's document and 户号, 户主, 与户主关系.
      const allowed = ['ZZMC', 'ZZHM', 'CYRMC', 'CYRSFZJLX', 'CYRSFZJHM', 'HH', 'HZXM', 'YHZGX'];
      expect(result.fields.map((f) => f.key).every((k) => allowed.includes(k))).toBe(true);
      expect(result.fields.some((f) => f.key === 'ZZ')).toBe(false);
      expect(result.issueOrgName).toBeNull();
    } else {
      // Without the minimum-necessary extension the consent listed every field, and so does the counter.
      expect(result.fields.some((f) => f.key === 'CYRSFZJHM')).toBe(true);
    }

    // Single use: the result is handed over once, and the request cannot be answered again.
    expect((await poll(req.id)).body).toMatchObject({ state: 'done', result: null });
    const again = await answer(req.id, await bed.authorise(LICENSE_ITEM.householdRegister, SERVICE_ITEM.realEstateRegistration));
    expect(again.status).toBe(409);
  });

  it('takes no answer made for another service item or organisation', async () => {
    const req = await startRequest(SERVICE_ITEM.householdAffairs);
    const otherItem = await answer(req.id, await bed.authorise(LICENSE_ITEM.householdRegister, SERVICE_ITEM.realEstateRegistration));
    expect(otherItem.status).toBe(409);
    expect(otherItem.body.error.message).toContain('户籍业务办理');
    // 个体工商户设立登记 belongs to 北京市市场监督管理局: its consent can never reach this counter.
    const otherOrg = await answer(req.id, await bed.authorise(LICENSE_ITEM.householdRegister, SERVICE_ITEM.soleTraderRegistration));
    expect(otherOrg.status).toBe(409);
    expect((await poll(req.id)).body.state).toBe('waiting');
  });

  it('tells the counter when the citizen declines', async () => {
    const req = await startRequest();
    expect((await bed.holder.api<HolderRequestView>('POST', `/api/requests/${req.id}/decline`)).body.state).toBe('declined');
    expect((await poll(req.id)).body).toMatchObject({ state: 'declined', result: null });
  });

  it('is read only by signed-in citizens, answered only by one, and polled only by the clerk who asked', async () => {
    const req = await startRequest();
    expect((await new BffClient(bed.stack.origin).api('GET', `/api/requests/${req.id}`)).status).toBe(401);
    // The citizen cannot poll the counter's side; the clerk cannot answer as a holder.
    expect((await bed.holder.api('GET', `/api/counter/requests/${req.id}`)).status).toBe(403);
    expect((await bed.staff.api('GET', `/api/requests/${req.id}`)).status).toBe(403);
    // No CSRF token, no answer.
    const auth = await bed.authorise(LICENSE_ITEM.householdRegister, SERVICE_ITEM.realEstateRegistration);
    const forged = await bed.holder.api<Failure>('POST', `/api/requests/${req.id}/answer`, { body: { authorisationId: auth.id }, csrf: false });
    expect(forged.status).toBe(403);

    expect((await answer(req.id, auth)).status).toBe(200);
    const lisi = new BffClient(bed.stack.origin);
    await lisi.login('lisi');
    // Once 张三 answered, the request is his: someone else holding the link learns nothing of it.
    expect((await lisi.api('GET', `/api/requests/${req.id}`)).status).toBe(404);
    // Someone else's authorisation is not an answer either.
    expect((await answer(req.id, auth, lisi)).status).toBe(404);
  });

  it('refuses malformed and unknown ids in the error envelope', async () => {
    const bad = await bed.holder.api<Failure>('GET', '/api/requests/not-an-id');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBeTruthy();
    const unknown = await bed.holder.api<Failure>('GET', `/api/requests/${'A'.repeat(22)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('新的二维码');
    const wrongItem = await bed.staff.api<Failure>('POST', '/api/counter/requests', { body: { bizNum: 'DC2026-REQ-X', serviceItemCode: SERVICE_ITEM.realEstateTransfer } });
    expect(wrongItem.status).toBe(400);
  });
});
