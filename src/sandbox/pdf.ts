import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { PDFDict, PDFDocument, PDFName, PDFString, PDFHexString, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { HOLDER_IDENTITY_TYPES, LICENSE_TYPE_NAMES, type CatalogueEntry, type LicenseRecord } from '../contract/upstream.ts';
import { publicKeyFingerprint, verifySm2Sm3 } from './crypto.ts';
import { maskValue } from './wire.ts';

// The archived file of DB11/T 2290 6.6 (license/archive): a one-page A4 PDF of the certificate
// face, signed twice with the sandbox's SM2-SM3 key:
//
//  1. ECertPayload / ECertPayloadSignature (document information dictionary): base64 of a JSON
//     payload listing exactly what the page shows (fields as printed, masked where masked) plus
//     the record's own `s_sign_data`; the signature is over the payload's UTF-8 bytes.
//  2. ECertFileSignature: a signature over the whole file's bytes as written, with the 128 hex
//     characters of this entry's value replaced by ASCII '0'. Any change to any byte fails it.
//
// verifyLicensePdf() checks both. The certificate's own record signature (`s_sign_data`, over
// the unmasked record) travels in the payload but cannot be re-verified from a masked file.

export interface PdfSigner {
  algorithm: string;
  publicKey: string;
  sign(data: string | Uint8Array): string;
}

/** What ECertPayload carries, in this key order. */
export interface LicensePdfPayload {
  format: 'ecert-holder/license-pdf/v1';
  license_code: string;
  license_item_code: string;
  id_code: string;
  name: string;
  license_status: string;
  holder_name: string;
  holder_identity_type: string;
  holder_identity_num: string;
  issue_org_name: string;
  issue_org_code: string;
  issue_date: string | null;
  begin_date: string | null;
  expiry_date: string | null;
  /** Face fields as printed, in catalogue order. */
  fields: Array<{ key: string; name: string; value: string }>;
  show_sensitive: boolean;
  record_signature: { algorithm: string | null; s_sign_data: string | null; s_sign_cert: string | null };
  generated_at: string;
}

// ---- font: Noto Sans SC (OFL-1.1) via upstream fontkit 2 ----

// pdf-lib expects @pdf-lib/fontkit, whose CJK subsets render blank; upstream fontkit subsets
// correctly but its subset has encode() instead of the encodeStream() pdf-lib calls.
interface FkSubset { includeGlyph(glyph: unknown): number; encode(): Uint8Array; encodeStream?: () => Readable }
interface FkFont { createSubset(): FkSubset }

const require = createRequire(import.meta.url);
// fontkit ships no type declarations; only create() is used.
const fontkit = require('fontkit') as { create(data: Buffer): FkFont };

const FONT_PACKAGE_FILE = '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf';
let fontBytes: Promise<Uint8Array> | undefined;
let parsedFont: FkFont | undefined;

function loadFontBytes(): Promise<Uint8Array> {
  fontBytes ??= readFile(require.resolve(FONT_PACKAGE_FILE)).then((b) => new Uint8Array(b));
  return fontBytes;
}

const fontkitAdapter = {
  create(data: Uint8Array): FkFont {
    // Parse the 10 MB font once per process; pdf-lib asks for it on every document.
    parsedFont ??= fontkit.create(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    const font = parsedFont;
    return new Proxy(font, {
      get(target, prop, receiver) {
        if (prop === 'createSubset') {
          return () => {
            const subset = target.createSubset();
            subset.encodeStream = () => Readable.from([subset.encode()]);
            return subset;
          };
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  },
};

// ---- values as printed ----

const BEIJING_OFFSET_MS = 8 * 3600 * 1000;
const beijingNow = (): string => new Date(Date.now() + BEIJING_OFFSET_MS).toISOString().replace('T', ' ').slice(0, 19);

function statusText(record: LicenseRecord): string {
  if (record.license_status === 'ABOLISHED') return '已废止';
  if (record.license_status !== 'ISSUED') return '未签发';
  const today = beijingNow().slice(0, 10);
  if (record.expiry_date && record.expiry_date.slice(0, 10) < today) return '已过期';
  return '有效';
}

const maskEach = (list: string): string => list.split(',').map((v) => maskValue(v.trim())).join(',');

function facefields(record: LicenseRecord, catalogue: CatalogueEntry, showSensitive: boolean): LicensePdfPayload['fields'] {
  return [...catalogue.data_items]
    .filter((item) => item.is_show)
    .sort((a, b) => a.index - b.index)
    .map((item) => {
      const raw = record.data_fields[item.key] ?? '';
      let value = item.data_type === 'image' ? (raw ? '（图像，见附件）' : '') : raw;
      if (item.is_sensitive && !showSensitive && value && item.data_type !== 'image') value = maskValue(value);
      return { key: item.key, name: item.name, value: value || '—' };
    });
}

// ---- drawing ----

const INK = rgb(0.12, 0.14, 0.16);
const MUTED = rgb(0.31, 0.35, 0.41);
const RED = rgb(0.72, 0.08, 0.11);
const RULE = rgb(0.8, 0.82, 0.85);

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const ch of paragraph) {
      if (line && font.widthOfTextAtSize(line + ch, size) > width) {
        lines.push(line);
        line = '';
      }
      line += ch;
    }
    lines.push(line);
  }
  return lines;
}

const BOTTOM = 64;

class Cursor {
  y: number;
  page: PDFPage;
  constructor(private readonly newPage: () => PDFPage, readonly font: PDFFont, private readonly top: number) {
    this.page = newPage();
    this.y = top;
  }

  /** Starts a new page when `height` points do not fit above the footer. */
  ensure(height: number): void {
    if (this.y - height >= BOTTOM) return;
    this.page = this.newPage();
    this.y = this.top;
  }

  text(text: string, x: number, size: number, opts: { width?: number; color?: ReturnType<typeof rgb>; lineGap?: number } = {}): void {
    const lines = opts.width ? wrap(text, this.font, size, opts.width) : [text];
    for (const line of lines) {
      this.y -= size;
      this.page.drawText(line, { x, y: this.y, size, font: this.font, color: opts.color ?? INK });
      this.y -= opts.lineGap ?? size * 0.45;
    }
  }

  /** Label in the left column, value wrapped in the right one; returns to the lower of the two. */
  row(label: string, value: string, x: number, labelWidth: number, width: number, size = 11): void {
    const lines = Math.max(wrap(label, this.font, size, labelWidth - 8).length, wrap(value, this.font, size, width - labelWidth).length);
    this.ensure(lines * size * 1.45 + 8);
    const top = this.y;
    this.text(label, x, size, { width: labelWidth - 8, color: MUTED });
    const afterLabel = this.y;
    this.y = top;
    this.text(value, x + labelWidth, size, { width: width - labelWidth });
    this.y = Math.min(this.y, afterLabel) - 3;
    this.page.drawLine({ start: { x, y: this.y + 2 }, end: { x: x + width, y: this.y + 2 }, thickness: 0.4, color: RULE });
    this.y -= 4;
  }

  gap(h: number): void {
    this.y -= h;
  }
}

const FILE_SIG_KEY = 'ECertFileSignature';
const PLACEHOLDER = '0'.repeat(128);

export async function renderLicensePdf(input: { record: LicenseRecord; catalogue: CatalogueEntry; showSensitive: boolean; signer: PdfSigner }): Promise<Uint8Array> {
  const { record, catalogue, showSensitive, signer } = input;
  const fields = facefields(record, catalogue, showSensitive);
  const holderIdentityNum = showSensitive ? record.holder_identity_num : maskEach(record.holder_identity_num);
  const generatedAt = beijingNow();
  const status = statusText(record);

  const payload: LicensePdfPayload = {
    format: 'ecert-holder/license-pdf/v1',
    license_code: record.license_code,
    license_item_code: record.license_item_code,
    id_code: record.id_code,
    name: record.name,
    license_status: record.license_status,
    holder_name: record.holder_name,
    holder_identity_type: record.holder_identity_type,
    holder_identity_num: holderIdentityNum,
    issue_org_name: record.issue_org_name,
    issue_org_code: record.issue_org_code,
    issue_date: record.issue_date,
    begin_date: record.begin_date,
    expiry_date: record.expiry_date,
    fields,
    show_sensitive: showSensitive,
    record_signature: { algorithm: record.algorithm, s_sign_data: record.s_sign_data, s_sign_cert: record.s_sign_cert },
    generated_at: generatedAt,
  };
  const payloadJson = JSON.stringify(payload);

  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkitAdapter as never);
  const font = await doc.embedFont(await loadFontBytes(), { subset: true });
  doc.setTitle(`${record.name}（电子证照）`, { showInWindowTitleBar: true });
  doc.setSubject(`${LICENSE_TYPE_NAMES[record.license_type] ?? '电子证照'} ${record.id_code}`);
  doc.setAuthor(record.issue_org_name);
  doc.setCreator('北京市电子证照共享服务（沙箱）');
  doc.setProducer('ecert-holder sandbox');
  doc.setLanguage('zh-CN');
  const created = new Date();
  doc.setCreationDate(created);
  doc.setModificationDate(created);

  const [width, height] = [595.28, 841.89];
  const margin = 48;
  const inner = width - margin * 2;
  const newPage = (): PDFPage => {
    const p = doc.addPage([width, height]);
    p.drawRectangle({ x: 24, y: 24, width: width - 48, height: height - 48, borderColor: RED, borderWidth: 2 });
    p.drawRectangle({ x: 30, y: 30, width: width - 60, height: height - 60, borderColor: RED, borderWidth: 0.6 });
    p.drawText('本文件由北京市电子证照共享服务沙箱生成，仅用于开发与测试。', { x: margin, y: 40, size: 8, font, color: MUTED });
    return p;
  };

  const c = new Cursor(newPage, font, height - 60);
  const page = c.page;
  const centred = (text: string, size: number, color = INK): void => {
    c.y -= size;
    page.drawText(text, { x: (width - font.widthOfTextAtSize(text, size)) / 2, y: c.y, size, font, color });
    c.y -= size * 0.5;
  };
  centred(record.name, 26, RED);
  centred(`电子证照 · ${LICENSE_TYPE_NAMES[record.license_type] ?? ''}`, 12, MUTED);

  // Status in words, never colour alone.
  const badge = `状态：${status}`;
  const bw = font.widthOfTextAtSize(badge, 12) + 16;
  c.gap(4);
  page.drawRectangle({ x: (width - bw) / 2, y: c.y - 20, width: bw, height: 20, borderColor: status === '有效' ? rgb(0.1, 0.45, 0.2) : RED, borderWidth: 1 });
  page.drawText(badge, { x: (width - bw) / 2 + 8, y: c.y - 15, size: 12, font, color: status === '有效' ? rgb(0.1, 0.45, 0.2) : RED });
  c.gap(34);

  const section = (title: string): void => {
    c.ensure(60);
    c.text(title, margin, 13, { color: RED });
    c.gap(2);
  };

  section('证照信息');
  const labelW = 118;
  c.row('证照名称', record.name, margin, labelW, inner);
  c.row('证照编号', record.id_code, margin, labelW, inner);
  c.row('证照标识', record.license_code, margin, labelW, inner);
  c.row('持证主体', record.holder_name, margin, labelW, inner);
  c.row('证件类型', HOLDER_IDENTITY_TYPES[record.holder_identity_type as keyof typeof HOLDER_IDENTITY_TYPES] ?? record.holder_identity_type, margin, labelW, inner);
  c.row('证件号码', holderIdentityNum, margin, labelW, inner);
  c.row('颁发机构', `${record.issue_org_name}（${record.issue_org_code}）`, margin, labelW, inner);
  c.row('发证日期', record.issue_date ?? '—', margin, labelW, inner);
  c.row('有效期限', `${record.begin_date ?? '—'} 至 ${record.expiry_date ?? '长期'}`, margin, labelW, inner);
  c.row('证照状态', status, margin, labelW, inner);
  c.gap(8);

  section('照面信息');
  for (const f of fields) c.row(f.name, f.value, margin, labelW, inner);
  c.gap(8);

  section('电子签名');
  const small = 9;
  c.row('签名算法', `${signer.algorithm}（SM2 椭圆曲线签名，SM3 杂凑）`, margin, labelW, inner, small);
  c.row('证照签名值', record.s_sign_data ?? '（未签发）', margin, labelW, inner, small);
  c.row('签名公钥指纹', `SM3:${publicKeyFingerprint(signer.publicKey)}`, margin, labelW, inner, small);
  c.row('文件签名', `本文件及其照面数据由签发方以 ${signer.algorithm} 签名，签名数据保存在文件属性 ECertPayload、ECertPayloadSignature、ECertFileSignature 中。`, margin, labelW, inner, small);
  c.row('生成时间', `${generatedAt}（北京时间）${showSensitive ? '' : '，敏感信息已脱敏'}`, margin, labelW, inner, small);


  const info = infoDict(doc);
  info.set(PDFName.of('ECertPayload'), PDFString.of(Buffer.from(payloadJson, 'utf8').toString('base64')));
  info.set(PDFName.of('ECertPayloadSignature'), PDFString.of(signer.sign(payloadJson)));
  info.set(PDFName.of('ECertSignatureAlgorithm'), PDFString.of(signer.algorithm));
  info.set(PDFName.of('ECertPublicKey'), PDFString.of(signer.publicKey));
  info.set(PDFName.of(FILE_SIG_KEY), PDFString.of(PLACEHOLDER));

  // No object streams: the information dictionary stays plain text, so the placeholder can be
  // found and filled in place after the bytes are final.
  const bytes = await doc.save({ useObjectStreams: false, updateFieldAppearances: false });
  const at = fileSignatureOffset(bytes);
  if (at < 0) throw new Error('file signature placeholder not found');
  const signature = signer.sign(bytes);
  bytes.set(Buffer.from(signature, 'latin1'), at);
  return bytes;
}

/** Offset of the 128 hex characters of /ECertFileSignature (...), or -1 unless exactly one. */
function fileSignatureOffset(bytes: Uint8Array): number {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const re = new RegExp(`/${FILE_SIG_KEY}\\s*\\(([0-9a-f]{128})\\)`, 'g');
  const found = [...text.matchAll(re)];
  if (found.length !== 1 || found[0]?.index === undefined) return -1;
  return found[0].index + found[0][0].indexOf('(') + 1;
}

export interface LicensePdfVerification {
  /** Both signatures hold under the given public key. */
  valid: boolean;
  payloadValid: boolean;
  fileValid: boolean;
  payload?: LicensePdfPayload;
}

// The document information dictionary (pdf-lib keeps its own accessor private).
function infoDict(doc: PDFDocument): PDFDict {
  return doc.context.lookup(doc.context.trailerInfo.Info, PDFDict);
}

function infoText(value: unknown): string | undefined {
  if (value instanceof PDFString || value instanceof PDFHexString) return value.decodeText();
  return undefined;
}

/** Checks an archived PDF's payload and whole-file signatures against a public key. */
export async function verifyLicensePdf(bytes: Uint8Array, publicKey: string): Promise<LicensePdfVerification> {
  const at = fileSignatureOffset(bytes);
  let fileValid = false;
  if (at >= 0) {
    const signature = Buffer.from(bytes.subarray(at, at + 128)).toString('latin1');
    const zeroed = new Uint8Array(bytes);
    zeroed.set(Buffer.from(PLACEHOLDER, 'latin1'), at);
    fileValid = verifySm2Sm3(zeroed, signature, publicKey);
  }

  let payloadValid = false;
  let payload: LicensePdfPayload | undefined;
  try {
    const doc = await PDFDocument.load(bytes, { updateMetadata: false });
    const info = infoDict(doc);
    const encoded = infoText(info.get(PDFName.of('ECertPayload')));
    const signature = infoText(info.get(PDFName.of('ECertPayloadSignature')));
    if (encoded && signature) {
      const json = Buffer.from(encoded, 'base64').toString('utf8');
      payloadValid = verifySm2Sm3(json, signature, publicKey);
      if (payloadValid) payload = JSON.parse(json) as LicensePdfPayload;
    }
  } catch {
    payloadValid = false;
  }
  return { valid: fileValid && payloadValid, payloadValid, fileValid, ...(payload ? { payload } : {}) };
}
