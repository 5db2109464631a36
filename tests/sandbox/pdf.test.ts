import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogueEntry, DataItem, LicenseRecord } from '../../src/contract/upstream.ts';
import { createSigner, verifySm2Sm3, type Signer } from '../../src/sandbox/crypto.ts';
import { renderLicensePdf, verifyLicensePdf, type LicensePdfPayload } from '../../src/sandbox/pdf.ts';

const item = (key: string, name: string, index: number, extra: Partial<DataItem> = {}): DataItem => ({
  key, name, data_type: 'string', length: 100, is_allow_null: false, is_sensitive: false, is_show: true, index, description: '', ...extra,
});

const catalogue: CatalogueEntry = {
  license_item_code: '100010901000031135110002', name: '结婚证', short_name: '结婚证', resp_org: '北京市民政局', issue_rank: '区级',
  holder_type: 0, type: 'CERTIFICATE', status: 2, version: '1.0', use_constraint_type: '', description: '', icon_image: null,
  admin_org: '北京市民政局', admin_org_code: '11110000000000000M', division: '北京市', division_code: '110000',
  creation_time: '2024-10-01 00:00:00', last_modification_time: '2024-10-01 00:00:00',
  // Deliberately out of order: the file must follow `index`.
  data_items: [
    item('DJJG', '登记机关', 7),
    item('ZZMC', '证照名称', 1),
    item('CYRMC', '持有人名称', 3),
    item('ZZHM', '证照号码', 2),
    item('CYRSFZJHM', '持有人身份证件号码', 4, { is_sensitive: true }),
    item('POXM', '配偶姓名', 5),
    item('POSFZJHM', '配偶身份证件号码', 6, { is_sensitive: true }),
    item('FZRQ', '发证日期', 8, { data_type: 'date' }),
    item('NBBZ', '内部备注', 9, { is_show: false }),
  ],
};

const record: LicenseRecord = {
  license_code: '5f0c7e1d2a3b4c5d6e7f8091a2b3c4d5', license_item_code: catalogue.license_item_code, name: '结婚证', license_type: 'CERTIFICATE',
  id_code: '1.2.156.3005.2.11110101000000000X.000123.1.Q', holder_name: '张三', holder_identity_type: '111', holder_identity_num: '110101199003071233',
  issue_org_name: '北京市东城区民政局', issue_org_code: '11110101000000000X', division: '东城区', division_code: '110101',
  issue_date: '2020-05-20', begin_date: '2020-05-20', expiry_date: null, attachment_fields: [], trust_level: 'A', biz_num: null,
  license_status: 'ISSUED', creator: '王登记', creation_time: '2020-05-20 09:00:00', issuer: '王登记', issue_time: '2020-05-20 09:30:00',
  abolisher: null, abolish_time: null, abolish_reason: null, correlative_license: null, algorithm: 'SM2-SM3', s_sign_cert: null, s_sign_data: null,
  last_modification_time: '2020-05-20 09:30:00',
  data_fields: {
    ZZMC: '结婚证', ZZHM: 'J110101-2020-000123', CYRMC: '张三', CYRSFZJHM: '110101199003071233', POXM: '李梅',
    POSFZJHM: '110102199105062345', DJJG: '北京市东城区民政局婚姻登记处', FZRQ: '2020-05-20', NBBZ: '不应出现在照面',
  },
};

const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('archived certificate PDF', () => {
  let dir: string;
  let signer: Signer;
  let masked: Uint8Array;
  let full: Uint8Array;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdf-test-'));
    signer = await createSigner(new Database(':memory:'));
    record.s_sign_cert = signer.publicKey;
    record.s_sign_data = signer.sign('record payload');
    masked = await renderLicensePdf({ record, catalogue, showSensitive: false, signer });
    full = await renderLicensePdf({ record, catalogue, showSensitive: true, signer });
    writeFileSync(join(dir, 'masked.pdf'), masked);
    writeFileSync(join(dir, 'full.pdf'), full);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is a PDF that parses and carries the certificate in its metadata', async () => {
    const doc = await PDFDocument.load(masked);
    expect(doc.getPageCount()).toBe(1);
    expect(doc.getTitle()).toBe('结婚证（电子证照）');
    expect(doc.getAuthor()).toBe('北京市东城区民政局');
  });

  it('shows the Chinese face fields in catalogue order, with identity numbers masked unless asked', () => {
    const text = run('pdftotext', ['-layout', join(dir, 'masked.pdf'), '-']);
    for (const s of ['结婚证', '证照名称', '持有人名称', '配偶姓名', '李梅', '登记机关', '北京市东城区民政局婚姻登记处',
      '颁发机构', '北京市东城区民政局', '有效期限', '2020-05-20 至 长期', '状态：有效', record.id_code, record.license_code,
      'SM2-SM3', record.s_sign_data!.slice(0, 40)]) {
      expect(text).toContain(s);
    }
    const order = ['证照名称', '证照号码', '持有人名称', '持有人身份证件号码', '配偶姓名', '配偶身份证件号码', '登记机关']
      .map((name) => text.indexOf(name, text.indexOf('照面信息')));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(text).not.toContain('内部备注');

    expect(text).toContain('1101**********1233');
    expect(text).toContain('1101**********2345');
    expect(text).not.toContain('110101199003071233');
    expect(text).not.toContain('110102199105062345');

    const fullText = run('pdftotext', ['-layout', join(dir, 'full.pdf'), '-']);
    expect(fullText).toContain('110101199003071233');
    expect(fullText).toContain('110102199105062345');
  });

  it('renders the CJK glyphs as ink, not blank boxes', () => {
    // Where pdftotext says 李梅 is, the rendered page (72 dpi: one pixel per point) must be dark.
    const bbox = run('pdftotext', ['-bbox', join(dir, 'masked.pdf'), '-']);
    const m = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">李梅<\/word>/.exec(bbox);
    expect(m).not.toBeNull();
    const [x0, y0, x1, y1] = m!.slice(1).map(Number) as [number, number, number, number];

    const pgm = execFileSync('pdftoppm', ['-gray', '-r', '72', '-singlefile', join(dir, 'masked.pdf')]);
    const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 64).toString('latin1'));
    expect(header).not.toBeNull();
    const w = Number(header![1]);
    const pixels = pgm.subarray(header![0].length);
    let dark = 0;
    let total = 0;
    for (let y = Math.ceil(y0); y < Math.floor(y1); y++) {
      for (let x = Math.ceil(x0); x < Math.floor(x1); x++) {
        total++;
        if (pixels[y * w + x]! < 128) dark++;
      }
    }
    // Two 11 pt glyphs: a blank rendering has no dark pixels at all.
    expect(dark).toBeGreaterThan(total * 0.08);
  });

  it('verifies with the signer public key and fails when the payload or the file is tampered with', async () => {
    const result = await verifyLicensePdf(masked, signer.publicKey);
    expect(result).toMatchObject({ valid: true, payloadValid: true, fileValid: true });
    expect(result.payload).toMatchObject({ license_code: record.license_code, holder_identity_num: '1101**********1233', show_sensitive: false });
    expect(result.payload!.record_signature.s_sign_data).toBe(record.s_sign_data);

    // Independently of our reader: poppler's view of the information dictionary.
    const info = run('pdfinfo', ['-custom', join(dir, 'masked.pdf')]);
    const field = (k: string): string => new RegExp(`^${k}:\\s*(\\S+)$`, 'm').exec(info)![1]!;
    const payloadJson = Buffer.from(field('ECertPayload'), 'base64').toString('utf8');
    const payload = JSON.parse(payloadJson) as LicensePdfPayload;
    expect(field('ECertSignatureAlgorithm')).toBe('SM2-SM3');
    expect(field('ECertPublicKey')).toBe(signer.publicKey);
    expect(payload.fields.map((f) => f.name)).toEqual(['证照名称', '证照号码', '持有人名称', '持有人身份证件号码', '配偶姓名', '配偶身份证件号码', '登记机关', '发证日期']);
    expect(payloadJson).not.toContain('110101199003071233');
    expect(verifySm2Sm3(payloadJson, field('ECertPayloadSignature'), signer.publicKey)).toBe(true);

    const forged = JSON.stringify({ ...payload, holder_name: '李四' });
    expect(verifySm2Sm3(forged, field('ECertPayloadSignature'), signer.publicKey)).toBe(false);

    // One byte changed inside the page content: the file signature fails.
    const tampered = new Uint8Array(masked);
    const at = Buffer.from(masked).indexOf('stream', 1000);
    tampered[at + 20] = tampered[at + 20]! ^ 0x01;
    expect(await verifyLicensePdf(tampered, signer.publicKey)).toMatchObject({ fileValid: false, valid: false });

    const other = await createSigner(new Database(':memory:'));
    expect(await verifyLicensePdf(masked, other.publicKey)).toMatchObject({ valid: false, payloadValid: false, fileValid: false });
  });

  it('renders quickly once the font is loaded', async () => {
    const t = performance.now();
    await renderLicensePdf({ record, catalogue, showSensitive: false, signer });
    expect(performance.now() - t).toBeLessThan(1500);
  });
});
