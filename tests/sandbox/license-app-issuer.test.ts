import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../support/sandbox-server.ts';
import { HOUSEHOLD_FIELDS, ISSUER_OPERATOR, SandboxClient, errorCode, issueLicense } from '../support/sandbox-client.ts';
import { LICENSE_ITEM } from '../../src/sandbox/seed.ts';
import { isValidIdCode } from '../../src/sandbox/id-code.ts';
import { canonicalJson, signedContent } from '../../src/sandbox/license-records.ts';
import { verifySm2Sm3 } from '../../src/sandbox/crypto.ts';
import type { LicenseRecord } from '../../src/contract/upstream.ts';

// DB11/T 2290 6.4 production and 6.5 publication: lifecycle, least privilege, batch isolation.

let sb: RunningSandbox;
let issuer: SandboxClient;
let counter: SandboxClient;
const HOLDER = { name: '王五', identityNum: '110108197805207898' };
const item = LICENSE_ITEM.householdRegister;

beforeAll(async () => {
  sb = await startSandbox();
  issuer = await new SandboxClient(sb.apiRoot).login('issuer-demo');
  counter = await new SandboxClient(sb.apiRoot).login('counter-demo');
});
afterAll(async () => sb.close());

const createBody = (patch: Record<string, unknown> = {}) => ({ data: {
  service_item_code: 'ZZ-ZZ-0001', service_item_name: '电子证照制发', holder_name: HOLDER.name, holder_identity_type: '111',
  holder_identity_num: HOLDER.identityNum, data_fields: HOUSEHOLD_FIELDS, operator: ISSUER_OPERATOR, ...patch,
} });

async function redeem(code: string): Promise<LicenseRecord> {
  return (await counter.get('/license/get_license', { auth_code: code, show_sensitive_data: true })).data as LicenseRecord;
}

describe('6.4 / 6.5 lifecycle', () => {
  it('creates a draft, updates it, signs it; the record carries a GB/T 36902 id and a verifiable SM2 signature', async () => {
    const created = await issuer.post(`/license/${item}/create`, createBody({ legacy: undefined, holder_identity_type: '10' }));
    expect(created.ack_code).toBe('SUCCESS');
    const { license_code, auth_code } = created.data as { license_code: string; auth_code: string };
    expect(auth_code.length).toBeGreaterThanOrEqual(22);

    // Before sign the issuer's code cannot be redeemed.
    expect(errorCode(await counter.get('/license/get_license', { auth_code }))).toBe('LICENSE_NOT_ISSUED');

    const updated = await issuer.post(`/license/${item}/update`, { data: { license_code, data_fields: { YHZGX: '子' }, expiry_date: '2099-12-31', operator: ISSUER_OPERATOR } });
    expect(updated.data).toEqual({ license_code });
    expect((await issuer.post(`/license/${item}/sign`, { data: { license_code, operator: ISSUER_OPERATOR } })).ack_code).toBe('SUCCESS');

    const wire = (await counter.get('/license/get_license', { auth_code, show_sensitive_data: true })).data;
    expect(typeof wire.data_fields).toBe('string');
    const rec: LicenseRecord = { ...wire, data_fields: JSON.parse(wire.data_fields) };
    expect(rec).toMatchObject({ license_status: 'ISSUED', holder_identity_type: '111', expiry_date: '2099-12-31', algorithm: 'SM2-SM3', name: '居民户口簿', license_type: 'CERTIFICATE' });
    expect(rec.data_fields).toMatchObject({ YHZGX: '子', CYRMC: '王五', CYRSFZJHM: HOLDER.identityNum, ZZHM: rec.id_code, YXQJSRQ: '2099-12-31', FZJGMC: '北京市演示颁证机关' });
    expect(rec.id_code).toMatch(/^1\.2\.156\.3005\.2\./);
    expect(isValidIdCode(rec.id_code)).toBe(true);
    expect(verifySm2Sm3(canonicalJson(signedContent(rec)), rec.s_sign_data!, rec.s_sign_cert!)).toBe(true);
    expect(verifySm2Sm3(canonicalJson(signedContent({ ...rec, holder_name: '李四' })), rec.s_sign_data!, rec.s_sign_cert!)).toBe(false);

    // Issued: no more update, delete or second sign.
    expect((await issuer.post(`/license/${item}/update`, { data: { license_code, holder_name: 'x', operator: ISSUER_OPERATOR } })).errors[0]?.inner_code).toBe('LICENSE_ALREADY_ISSUED');
    expect(errorCode(await issuer.post(`/license/${item}/delete`, { data: { license_code, operator: ISSUER_OPERATOR } }))).toBe('INVALID_REQUEST');
    expect(errorCode(await issuer.post(`/license/${item}/sign`, { data: { license_code, operator: ISSUER_OPERATOR } }))).toBe('INVALID_REQUEST');
  });

  it('deletes a draft, which then no longer exists', async () => {
    const { license_code, auth_code } = (await issuer.post(`/license/${item}/create`, createBody())).data;
    const att = await issuer.post(`/license/${item}/create_attachment`, { data: { license_code, name: '照片', file_type: 'png', file_data: Buffer.from('png').toString('base64'), is_license_image: true } });
    expect(att.data.attachment_code).toBeTruthy();
    expect((await issuer.post(`/license/${item}/delete`, { data: { license_code, operator: ISSUER_OPERATOR } })).ack_code).toBe('SUCCESS');
    expect(errorCode(await issuer.post(`/license/${item}/sign`, { data: { license_code, operator: ISSUER_OPERATOR } }))).toBe('NOT_FOUND');
    expect(errorCode(await counter.get('/license/get_license', { auth_code }))).toBe('AUTH_CODE_INVALID');
  });

  it('changes an issued certificate: a new one linked by correlative_license, the old one abolished', async () => {
    const old = await issueLicense(issuer, item, HOLDER, HOUSEHOLD_FIELDS);
    const changed = await issuer.post(`/license/${item}/change`, { data: { license_code: old.license_code, data_fields: { ZZ: '北京市东城区新地址2号' }, reason: '住址变更', operator: ISSUER_OPERATOR } });
    expect(changed.ack_code).toBe('SUCCESS');
    const fresh = (await counter.get('/license/get_license', { auth_code: changed.data.auth_code, show_sensitive_data: true })).data;
    expect(fresh).toMatchObject({ license_status: 'ISSUED', correlative_license: old.license_code });
    expect(JSON.parse(fresh.data_fields).ZZ).toBe('北京市东城区新地址2号');
    expect(errorCode(await counter.get('/license/get_license', { auth_code: old.auth_code }))).toBe('LICENSE_ABOLISHED');
    expect(errorCode(await issuer.post(`/license/${item}/change`, { data: { license_code: old.license_code, reason: '再变更', operator: ISSUER_OPERATOR } }))).toBe('LICENSE_ABOLISHED');
  });

  it('abolishes by id_code; abolishing twice or before issue is refused', async () => {
    const lic = await issueLicense(issuer, item, HOLDER, HOUSEHOLD_FIELDS);
    const rec = await redeem(lic.auth_code);
    expect((await issuer.post(`/license/${item}/abolish`, { data: { id_code: rec.id_code, abolish_reason: '户口迁出', biz_num: 'FZ-1', operator: ISSUER_OPERATOR } })).ack_code).toBe('SUCCESS');
    expect(errorCode(await issuer.post(`/license/${item}/abolish`, { data: { license_code: lic.license_code, abolish_reason: 'x', operator: ISSUER_OPERATOR } }))).toBe('LICENSE_ABOLISHED');
    const draft = (await issuer.post(`/license/${item}/create`, createBody())).data;
    expect(errorCode(await issuer.post(`/license/${item}/abolish`, { data: { license_code: draft.license_code, abolish_reason: 'x', operator: ISSUER_OPERATOR } }))).toBe('LICENSE_NOT_ISSUED');
  });

  it('issues a batch item by item: a bad item fails alone', async () => {
    const good = { service_item_code: 'ZZ-ZZ-0001', service_item_name: '电子证照制发', holder_name: '王五', holder_identity_type: '111', holder_identity_num: HOLDER.identityNum, data_fields: HOUSEHOLD_FIELDS };
    const res = await issuer.post(`/license/${item}/batch_issue`, { data: { operator: ISSUER_OPERATOR, items: [
      good,
      { ...good, holder_identity_num: '110108197805207890' }, // wrong check digit
      { ...good, data_fields: { ...HOUSEHOLD_FIELDS, NOT_A_FIELD: 'x' } },
      { ...good, data_fields: { HH: '1' } }, // required face fields missing
      good,
      { ...good, holder_name: 42, data_fields: 'not an object' }, // malformed: fails alone too
      'not an item',
    ] } });
    expect(res.ack_code).toBe('SUCCESS');
    const results = res.data.results as Array<{ index: number; ack_code: string; auth_code?: string; errors: Array<{ inner_code?: string }> }>;
    expect(results.map((r) => r.ack_code)).toEqual(['SUCCESS', 'FAILURE', 'FAILURE', 'FAILURE', 'SUCCESS', 'FAILURE', 'FAILURE']);
    expect(results.map((r) => r.errors[0]?.inner_code)).toEqual([undefined, 'INVALID_IDENTITY_NUM', 'UNKNOWN_DATA_ITEM', 'MISSING_DATA_ITEM', undefined, 'SCHEMA', 'SCHEMA']);
    expect((await counter.get('/license/get_license', { auth_code: results[4]!.auth_code! })).data.license_status).toBe('ISSUED');
  });
});

describe('6.4 / 6.5 least privilege', () => {
  it('refuses a catalogue entry the issuer does not administer, a non-issuer system, and an unknown entry', async () => {
    expect((await issuer.post(`/license/${LICENSE_ITEM.businessLicence}/create`, createBody())).errors[0]).toMatchObject({ code: 'FORBIDDEN', inner_code: 'NOT_CATALOGUE_ADMIN' });
    expect(errorCode(await counter.post(`/license/${item}/create`, createBody()))).toBe('FORBIDDEN');
    const holderApp = await new SandboxClient(sb.apiRoot).login('holder-h5');
    expect(errorCode(await holderApp.post(`/license/${item}/abolish`, { data: { license_code: 'x', abolish_reason: 'x', operator: ISSUER_OPERATOR } }))).toBe('FORBIDDEN');
    expect(errorCode(await issuer.post('/license/999999999999999999999999/create', createBody()))).toBe('NOT_FOUND');
  });

  it('refuses a body without the data wrapper or operator as a business refusal (HTTP 200, INVALID_REQUEST)', async () => {
    const { status, body } = await issuer.raw('POST', `/license/${item}/create`, { body: { holder_name: '王五' } });
    expect(status).toBe(200);
    expect(errorCode(body)).toBe('INVALID_REQUEST');
    const noOperator = createBody();
    delete (noOperator.data as Record<string, unknown>).operator;
    const refused = await issuer.raw('POST', `/license/${item}/create`, { body: noOperator });
    expect([refused.status, errorCode(refused.body)]).toEqual([200, 'INVALID_REQUEST']);
  });
});
