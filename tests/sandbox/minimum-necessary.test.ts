import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, TEST_IDP_CLIENT, type RunningSandbox } from '../support/sandbox-server.ts';
import { SandboxClient, STAFF_OPERATOR } from '../support/sandbox-client.ts';
import { loginAtIdp } from '../support/idp-login.ts';
import { DEMO_PASSWORD } from '../../src/sandbox/demo-data.ts';
import { DEMO_SERVICE_ITEMS, LICENSE_ITEM, SERVICE_ITEM, seedSandbox } from '../../src/sandbox/seed.ts';
import { openSandboxDb } from '../../src/sandbox/db.ts';
import { createSigner } from '../../src/sandbox/crypto.ts';
import type { LicenseRecord, ServiceItem } from '../../src/contract/upstream.ts';

// PIPL art. 6 (minimum necessary): a service item receives only the face fields it declares for
// each certificate it accepts (the data_item_keys extension of service_item/list).

const ZHANGSAN = '110101199003071233';

let sb: RunningSandbox;
let holderApp: SandboxClient;
let counter: SandboxClient;
let zhangsan: string;
let dir: string;

const keysOf = (item: string, entry: string): string[] =>
  DEMO_SERVICE_ITEMS.find((s) => s.service_item_code === item)!.data_item_keys![entry]!;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecert-min-'));
  sb = await startSandbox();
  [holderApp, counter] = await Promise.all([new SandboxClient(sb.apiRoot).login('holder-h5'), new SandboxClient(sb.apiRoot).login('counter-demo')]);
  zhangsan = (await loginAtIdp({
    issuer: sb.issuer, clientId: TEST_IDP_CLIENT.client_id, clientSecret: TEST_IDP_CLIENT.client_secret,
    redirectUri: TEST_IDP_CLIENT.redirect_uri, account: 'zhangsan', password: DEMO_PASSWORD,
  })).access_token;
});
afterAll(async () => {
  await sb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function holderCode(serviceItem: string, entry: string): Promise<string> {
  const env = await holderApp.post('/license/holder', { service_item_code: serviceItem, credential: zhangsan, cas_no: 'sandbox-idp' });
  const i = (env.data as LicenseRecord[]).findIndex((r) => r.license_item_code === entry);
  expect(i).toBeGreaterThanOrEqual(0);
  return env.auth_codes![i]!;
}

describe('minimum necessary face fields per service item', () => {
  it('lists each item\'s data_item_keys in service_item/list', async () => {
    const items = (await counter.get('/service_item/list', { org_code: '11110101MB0000001X' })).data as ServiceItem[];
    const employment = items.find((s) => s.service_item_code === SERVICE_ITEM.employmentRegistration)!;
    expect(employment.data_item_keys?.[LICENSE_ITEM.diploma]).toEqual(['ZZMC', 'ZZHM', 'CYRMC', 'XXMC', 'ZYMC', 'CC', 'BYRQ']);
  });

  it('gives a holder code\'s redeemer only its item\'s fields, in get_license and in the archive PDF; the view keeps the full face', async () => {
    const code = await holderCode(SERVICE_ITEM.employmentRegistration, LICENSE_ITEM.diploma);
    // Even asking for sensitive data cannot widen what the item receives.
    const rec = await counter.get('/license/get_license', { auth_code: code, show_sensitive_data: true });
    expect(rec.ack_code, JSON.stringify(rec.errors)).toBe('SUCCESS');
    expect(Object.keys(JSON.parse(rec.data.data_fields as string)).sort()).toEqual([...keysOf(SERVICE_ITEM.employmentRegistration, LICENSE_ITEM.diploma)].sort());
    // 就业登记 does not need the ID number: the record keeps its shape, the number stays masked.
    expect(rec.data.holder_identity_num).toBe('1101**********1233');

    const archive = await counter.get('/license/archive', { auth_code: code, file_type: 'pdf', show_sensitive_data: true });
    writeFileSync(join(dir, 'diploma.pdf'), Buffer.from(archive.data.file_data as string, 'base64'));
    const text = execFileSync('pdftotext', ['-layout', join(dir, 'diploma.pdf'), '-'], { encoding: 'utf8' });
    expect(text).toContain('学校名称');
    expect(text).not.toContain('出生日期');
    expect(text).not.toContain(ZHANGSAN);

    const token = await counter.get('/license/token', { auth_code: code });
    const view = await new SandboxClient(sb.apiRoot).get('/license/license_by_token', { license_access_token: token.data.license_access_token });
    expect(Object.keys(view.data.license.data_fields as object)).toContain('CSRQ');
  });

  it('narrows by-function codes to the item alike', async () => {
    const env = await counter.post('/license/auth', {
      identity_number: ZHANGSAN, service_item_code: SERVICE_ITEM.realEstateRegistration, biz_num: 'BDC-MIN-1', page_size: 10, operator: STAFF_OPERATOR,
    });
    const i = (env.data as LicenseRecord[]).findIndex((r) => r.license_item_code === LICENSE_ITEM.marriage);
    const rec = await counter.get('/license/get_license', { auth_code: env.auth_codes![i]!, show_sensitive_data: true });
    const fields = JSON.parse(rec.data.data_fields as string) as Record<string, string>;
    expect(Object.keys(fields).sort()).toEqual([...keysOf(SERVICE_ITEM.realEstateRegistration, LICENSE_ITEM.marriage)].sort());
    expect(fields.POXM).toBe('李四');
    expect(fields.POSFZJHM).toBeUndefined();
  });
});

describe('a sandbox database made by an earlier build', () => {
  it('gains the data_item_keys column and the demo choices on the next start', async () => {
    const file = join(dir, 'old.sqlite');
    let db = openSandboxDb(file);
    const signer = await createSigner(db);
    expect(await seedSandbox({ db, signer })).toBe(true);
    // Back to the first schema, as an earlier build left it.
    db.exec('ALTER TABLE service_items DROP COLUMN data_item_keys; DELETE FROM license_app_migrations WHERE version > 1');
    db.close();

    db = openSandboxDb(file);
    try {
      expect(await seedSandbox({ db, signer: await createSigner(db) })).toBe(false);
      const row = db.prepare<[string], { data_item_keys: string | null }>('SELECT data_item_keys FROM service_items WHERE service_item_code = ?')
        .get(SERVICE_ITEM.employmentRegistration);
      expect(JSON.parse(row!.data_item_keys!)[LICENSE_ITEM.diploma]).toContain('XXMC');
    } finally {
      db.close();
    }
    // A database that has the column but not the migration record opens too.
    db = openSandboxDb(file);
    db.exec('DELETE FROM license_app_migrations WHERE version > 1');
    db.close();
    openSandboxDb(file).close();
  });
});
