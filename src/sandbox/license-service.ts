import { EventEmitter } from 'node:events';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type {
  AbolishLicenseData, AuthCodeEvent, AuthCodeOrigin, AuthCodeUse, BatchIssueItemResult, CatalogueEntry, ChangeLicenseData,
  CreateAttachmentData, CreateLicenseData, CurrentUser, DataFields, LicenseRecord, LicenseRecordWire, LicenseStatus,
  Operator, RedemptionInterface, ServiceItem, SignLicenseData, UpdateLicenseData,
} from '../contract/upstream.ts';
import type { SandboxDb } from './db.ts';
import { serviceItemDataKeys } from '../contract/upstream.ts';
import { isValidResidentId } from '../contract/resident-id.ts';
import { ApiError, formatDate, formatTimestamp, maskValue } from './wire.ts';
import { buildIdCode } from './id-code.ts';

// The rules of license-app/v1 section 6 over SQLite, free of HTTP. Every public method either
// returns the response data or throws ApiError with the spec's code.

export type AccessSystemKind = 'holder' | 'counter' | 'issuer' | 'business';

export interface AccessSystem {
  app_key: string;
  app_secret: string;
  account: string;
  kind: AccessSystemKind;
  name: string;
  org_name: string;
  org_code: string;
  division: string;
  division_code: string;
}

/** What the identity provider says about a holder credential (structurally idp.ts's HolderIdentity). */
export interface CredentialIdentity {
  sub: string;
  name: string;
  identity_type: string;
  identity_num: string;
}
export type VerifyCredential = (token: string) => Promise<CredentialIdentity | null>;

export interface RecordSigner {
  algorithm: string;
  publicKey: string;
  sign(data: string | Uint8Array): string;
}

export interface LicenseServiceOptions {
  db: SandboxDb;
  signer: RecordSigner;
  verifyCredential: VerifyCredential;
  holderCodeTtlSeconds: number;
  sessionTtlSeconds: number;
  accessTokenTtlSeconds: number;
  clock: () => number;
  /** Extension `data_item_keys`: off = items name no fields and every code receives them all, as the standard service. */
  dataItemKeys?: boolean;
}

/** 24 h for codes returned to issuers and by license/auth (spec usage-code rules). */
const LONG_CODE_TTL_MS = 24 * 3600 * 1000;
const MAX_BATCH = 100;

/** 32 bytes (256 bits) of CSPRNG output, base64url: URL-safe and well above the spec's 128-bit floor. */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A usage code: exactly the spec's 128 bits, base64url (22 characters). A holder may have to
 * read it aloud or type it at a counter, and a shorter payload keeps the QR coarse enough for
 * old counter cameras; the short life, single binding and rate limits carry the rest.
 */
export function newUsageCode(): string {
  return randomBytes(16).toString('base64url');
}

function newLicenseCode(): string {
  return randomUUID().replace(/-/g, '');
}

/** Keys sorted at every level so signer and verifier serialise identically. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj).filter((k) => obj[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** The certificate content that `s_sign_data` signs: canonicalJson of this object. */
export function signedContent(r: LicenseRecord): Record<string, unknown> {
  return {
    license_code: r.license_code, license_item_code: r.license_item_code, id_code: r.id_code,
    holder_name: r.holder_name, holder_identity_type: r.holder_identity_type, holder_identity_num: r.holder_identity_num,
    issue_org_code: r.issue_org_code, issue_date: r.issue_date, begin_date: r.begin_date, expiry_date: r.expiry_date,
    data_fields: r.data_fields,
  };
}

/** Legacy `10` (18-digit ID card) / `40` (other) accepted on input (spec, holder identity types). */
export function normaliseIdentityType(t: string): string {
  if (t === '10') return '111';
  if (t === '40') return '999';
  return t;
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function wrongState(status: LicenseStatus): ApiError {
  if (status === 'ABOLISHED') return new ApiError('LICENSE_ABOLISHED');
  if (status === 'ISSUED') return new ApiError('INVALID_REQUEST', '证照已签发，不能修改或删除', { innerCode: 'LICENSE_ALREADY_ISSUED' });
  return new ApiError('LICENSE_NOT_ISSUED');
}

type EventBody = AuthCodeEvent extends infer E ? (E extends AuthCodeEvent ? Omit<E, 'cursor'> : never) : never;

interface AuthCodeRow {
  auth_code: string;
  license_code: string;
  origin: AuthCodeOrigin;
  minted_by: string;
  holder_identity_num: string | null;
  service_item_code: string | null;
  service_item_name: string | null;
  biz_num: string | null;
  created_at: number;
  expires_at: number;
  bound_to: string | null;
  revoked_at: number | null;
}

interface ServiceItemRow {
  service_item_code: string;
  name: string;
  org_code: string;
  license_item_codes: string;
  data_item_keys: string | null;
}

type StoredServiceItem = ServiceItem & { org_code: string };

function parseServiceItem(r: ServiceItemRow): StoredServiceItem {
  const item: StoredServiceItem = {
    service_item_code: r.service_item_code, name: r.name, org_code: r.org_code, license_item_codes: JSON.parse(r.license_item_codes) as string[],
  };
  if (r.data_item_keys) item.data_item_keys = JSON.parse(r.data_item_keys) as Record<string, string[]>;
  return item;
}

export interface RedemptionContext {
  operatorName?: string;
  bizNum?: string;
}

export class LicenseService {
  readonly events = new EventEmitter();
  private readonly db: SandboxDb;
  private readonly opts: LicenseServiceOptions;
  private readonly catalogueCache = new Map<string, CatalogueEntry>();
  private readonly st;

  constructor(opts: LicenseServiceOptions) {
    this.opts = opts;
    this.db = opts.db;
    this.events.setMaxListeners(0);
    const db = this.db;
    this.st = {
      systemByKey: db.prepare<[string], AccessSystem & { password: string }>('SELECT * FROM access_systems WHERE app_key = ?'),
      insertSystem: db.prepare(`INSERT OR REPLACE INTO access_systems (app_key, app_secret, account, password, kind, name, org_name, org_code, division, division_code)
        VALUES (@app_key, @app_secret, @account, @password, @kind, @name, @org_name, @org_code, @division, @division_code)`),
      insertSession: db.prepare('INSERT INTO sessions (token, app_key, account, created_at, expires_at) VALUES (?, ?, ?, ?, ?)'),
      sessionByToken: db.prepare<[string], { app_key: string; expires_at: number; logged_out_at: number | null }>(
        'SELECT app_key, expires_at, logged_out_at FROM sessions WHERE token = ?'),
      logout: db.prepare('UPDATE sessions SET logged_out_at = ? WHERE token = ? AND logged_out_at IS NULL'),
      catalogueAll: db.prepare<[], { entry: string }>('SELECT entry FROM catalogue ORDER BY seq'),
      catalogueOne: db.prepare<[string], { entry: string }>('SELECT entry FROM catalogue WHERE license_item_code = ?'),
      insertCatalogue: db.prepare('INSERT OR REPLACE INTO catalogue (license_item_code, admin_org_code, seq, entry) VALUES (?, ?, ?, ?)'),
      itemsByOrg: db.prepare<[string], ServiceItemRow>(
        'SELECT service_item_code, name, org_code, license_item_codes, data_item_keys FROM service_items WHERE org_code = ? ORDER BY service_item_code'),
      itemByCode: db.prepare<[string], ServiceItemRow>(
        'SELECT service_item_code, name, org_code, license_item_codes, data_item_keys FROM service_items WHERE service_item_code = ?'),
      insertItem: db.prepare('INSERT OR REPLACE INTO service_items (service_item_code, org_code, type, name, license_item_codes, data_item_keys) VALUES (?, ?, 0, ?, ?, ?)'),
      licenseByCode: db.prepare<[string], { record: string }>('SELECT record FROM licenses WHERE license_code = ?'),
      licenseByIdCode: db.prepare<[string, string], { record: string }>('SELECT record FROM licenses WHERE license_item_code = ? AND id_code = ?'),
      insertLicense: db.prepare('INSERT INTO licenses (license_code, license_item_code, id_code, holder_identity_num, license_status, record) VALUES (?, ?, ?, ?, ?, ?)'),
      updateLicense: db.prepare('UPDATE licenses SET id_code = ?, holder_identity_num = ?, license_status = ?, record = ? WHERE license_code = ?'),
      deleteLicense: db.prepare('DELETE FROM licenses WHERE license_code = ?'),
      deleteHolders: db.prepare('DELETE FROM license_holders WHERE license_code = ?'),
      insertHolder: db.prepare('INSERT OR IGNORE INTO license_holders (license_code, identity_num) VALUES (?, ?)'),
      licensesOfHolder: db.prepare<[string], { record: string }>(
        `SELECT l.record FROM license_holders h JOIN licenses l ON l.license_code = h.license_code
         WHERE h.identity_num = ? ORDER BY l.seq`),
      nextSerial: db.prepare<[], { n: number }>("SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM licenses"),
      insertAttachment: db.prepare(`INSERT INTO attachments (attachment_code, license_code, name, file_type, file_data, is_license_image, description, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      deleteAttachments: db.prepare('DELETE FROM attachments WHERE license_code = ?'),
      insertCode: db.prepare(`INSERT INTO auth_codes (auth_code, license_code, origin, minted_by, holder_identity_num, service_item_code, service_item_name, biz_num, created_at, expires_at, bound_to)
        VALUES (@auth_code, @license_code, @origin, @minted_by, @holder_identity_num, @service_item_code, @service_item_name, @biz_num, @created_at, @expires_at, @bound_to)`),
      codeByCode: db.prepare<[string], AuthCodeRow>('SELECT * FROM auth_codes WHERE auth_code = ?'),
      bindCode: db.prepare('UPDATE auth_codes SET bound_to = ? WHERE auth_code = ? AND bound_to IS NULL'),
      revokeCode: db.prepare('UPDATE auth_codes SET revoked_at = ? WHERE auth_code = ? AND revoked_at IS NULL'),
      deleteCodes: db.prepare('DELETE FROM auth_codes WHERE license_code = ?'),
      insertRedemption: db.prepare('INSERT INTO redemptions (auth_code, license_code, app_key, interface, operator_name, biz_num, time) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      usesOfHolder: db.prepare<[string], {
        auth_code: string; license_code: string; origin: AuthCodeOrigin; service_item_code: string | null; service_item_name: string | null;
        app_key: string; interface: RedemptionInterface; operator_name: string | null; biz_num: string | null; time: number;
        record: string; system_name: string; org_name: string; org_code: string;
      }>(`SELECT r.auth_code, r.license_code, c.origin, c.service_item_code, c.service_item_name, r.app_key, r.interface,
               r.operator_name, r.biz_num, r.time, l.record, s.name AS system_name, s.org_name, s.org_code
          FROM license_holders h
          JOIN redemptions r ON r.license_code = h.license_code
          JOIN auth_codes c ON c.auth_code = r.auth_code
          JOIN licenses l ON l.license_code = r.license_code
          JOIN access_systems s ON s.app_key = r.app_key
         WHERE h.identity_num = ?
         ORDER BY r.id DESC`),
      insertEvent: db.prepare('INSERT INTO code_events (minted_by, event) VALUES (?, ?)'),
      eventsAfter: db.prepare<[string, number], { id: number; event: string }>(
        'SELECT id, event FROM code_events WHERE minted_by = ? AND id > ? ORDER BY id LIMIT 500'),
      lastEventId: db.prepare<[], { id: number }>('SELECT COALESCE(MAX(id), 0) AS id FROM code_events'),
      insertLicenseToken: db.prepare('INSERT INTO license_tokens (token, license_code, auth_code, app_key, expires_at) VALUES (?, ?, ?, ?, ?)'),
      licenseToken: db.prepare<[string], { license_code: string; app_key: string; expires_at: number }>(
        'SELECT license_code, app_key, expires_at FROM license_tokens WHERE token = ?'),
      insertAudit: db.prepare('INSERT INTO audit_log (time, app_key, interface, service_item_code, biz_num, operator, detail) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      insertNonce: db.prepare('INSERT OR REPLACE INTO nonces (app_key, nonce, expires_at) VALUES (?, ?, ?)'),
      nonceGet: db.prepare<[string, string], { expires_at: number }>('SELECT expires_at FROM nonces WHERE app_key = ? AND nonce = ?'),
      purgeNonces: db.prepare('DELETE FROM nonces WHERE expires_at < ?'),
      metaGet: db.prepare<[string], { value: string }>('SELECT value FROM sandbox_meta WHERE key = ?'),
      metaSet: db.prepare('INSERT OR REPLACE INTO sandbox_meta (key, value) VALUES (?, ?)'),
    };
  }

  now(): number {
    return this.opts.clock();
  }

  // -------------------------------------------------------------------------------------------
  // Setup data (no interface in the standard writes these)
  // -------------------------------------------------------------------------------------------

  putAccessSystem(s: AccessSystem & { password: string }): void {
    this.st.insertSystem.run(s);
  }

  putCatalogueEntry(entry: CatalogueEntry, seq: number): void {
    this.st.insertCatalogue.run(entry.license_item_code, entry.admin_org_code, seq, JSON.stringify(entry));
    this.catalogueCache.delete(entry.license_item_code);
  }

  putServiceItem(item: StoredServiceItem): void {
    this.st.insertItem.run(item.service_item_code, item.org_code, item.name, JSON.stringify(item.license_item_codes),
      item.data_item_keys ? JSON.stringify(item.data_item_keys) : null);
  }

  getMeta(key: string): string | undefined {
    return this.st.metaGet.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.st.metaSet.run(key, value);
  }

  // -------------------------------------------------------------------------------------------
  // 6.2 Session
  // -------------------------------------------------------------------------------------------

  login(body: { app_key: string; app_secret: string; account: string; password: string }): { access_token: string; expires_in: number } {
    const s = this.st.systemByKey.get(body.app_key);
    // One refusal for every mismatch, so a caller cannot probe which part was wrong.
    if (!s || !safeEqual(s.app_secret, body.app_secret) || s.account !== body.account || !safeEqual(s.password, body.password)) {
      throw new ApiError('INVALID_CREDENTIALS');
    }
    const token = randomUUID();
    const now = this.now();
    this.st.insertSession.run(token, s.app_key, s.account, now, now + this.opts.sessionTtlSeconds * 1000);
    return { access_token: token, expires_in: this.opts.sessionTtlSeconds };
  }

  /** The access system behind a session token, or INVALID_ACCESS_TOKEN / ACCESS_TOKEN_EXPIRED. */
  authenticate(token: string | undefined): AccessSystem {
    if (!token) throw new ApiError('INVALID_ACCESS_TOKEN', '缺少访问令牌 access_token');
    const session = this.st.sessionByToken.get(token);
    if (!session || session.logged_out_at !== null) throw new ApiError('INVALID_ACCESS_TOKEN');
    if (this.now() >= session.expires_at) throw new ApiError('ACCESS_TOKEN_EXPIRED');
    const s = this.st.systemByKey.get(session.app_key);
    if (!s) throw new ApiError('INVALID_ACCESS_TOKEN');
    return s;
  }

  systemByAppKey(appKey: string): AccessSystem | undefined {
    return this.st.systemByKey.get(appKey);
  }

  logout(token: string): void {
    this.st.logout.run(this.now(), token);
  }

  currentUser(s: AccessSystem): CurrentUser {
    return { account: s.account, name: s.name, role: s.kind, division: s.division, division_code: s.division_code,
      service_org: { org_code: s.org_code, name: s.org_name } };
  }

  serviceItems(orgCode: string): ServiceItem[] {
    return this.st.itemsByOrg.all(orgCode).map((r) => {
      const { org_code: _org, data_item_keys, ...item } = parseServiceItem(r);
      return this.opts.dataItemKeys === false || !data_item_keys ? item : { ...item, data_item_keys };
    });
  }

  private serviceItem(code: string): StoredServiceItem {
    const r = this.st.itemByCode.get(code);
    if (!r) throw new ApiError('NOT_FOUND', '事项不存在', { innerCode: 'SERVICE_ITEM_NOT_FOUND' });
    return parseServiceItem(r);
  }

  /**
   * PIPL art. 6 (minimum necessary): what a code's service item receives of the certificate, the
   * face fields it declares for this catalogue entry and nothing else. The holder's identity number
   * stays on the record (its shape needs it) but masked, whatever the caller asks, when the item
   * does not need CYRSFZJHM. Codes without a service item, or items declaring nothing for the
   * entry, receive every field. Returns the catalogue entry narrowed alike, for the archive PDF.
   */
  private forServiceItem(rec: LicenseRecord, code: AuthCodeRow): { record: LicenseRecord; catalogue: CatalogueEntry } {
    const catalogue = this.catalogueEntry(rec.license_item_code);
    const row = code.service_item_code && this.opts.dataItemKeys !== false ? this.st.itemByCode.get(code.service_item_code) : undefined;
    const keys = row ? serviceItemDataKeys(parseServiceItem(row), rec.license_item_code) : null;
    if (!keys) return { record: rec, catalogue };
    const wanted = new Set(keys);
    const data_fields: DataFields = {};
    for (const [k, v] of Object.entries(rec.data_fields)) if (wanted.has(k)) data_fields[k] = v;
    const holder_identity_num = wanted.has('CYRSFZJHM') ? rec.holder_identity_num : rec.holder_identity_num.split(',').map((n) => maskValue(n)).join(',');
    return {
      record: { ...rec, data_fields, holder_identity_num },
      catalogue: { ...catalogue, data_items: catalogue.data_items.filter((d) => wanted.has(d.key)) },
    };
  }

  // -------------------------------------------------------------------------------------------
  // 6.3 Catalogue
  // -------------------------------------------------------------------------------------------

  catalogueList(pageIndex: number, pageSize: number): { total: number; entries: CatalogueEntry[] } {
    const all = this.st.catalogueAll.all().map((r) => JSON.parse(r.entry) as CatalogueEntry);
    return { total: all.length, entries: all.slice((pageIndex - 1) * pageSize, pageIndex * pageSize) };
  }

  catalogueEntry(code: string): CatalogueEntry {
    let entry = this.catalogueCache.get(code);
    if (!entry) {
      const row = this.st.catalogueOne.get(code);
      if (!row) throw new ApiError('NOT_FOUND', '电子证照目录不存在', { innerCode: 'LICENSE_ITEM_NOT_FOUND' });
      entry = JSON.parse(row.entry) as CatalogueEntry;
      this.catalogueCache.set(code, entry);
    }
    return entry;
  }

  // -------------------------------------------------------------------------------------------
  // 6.4 / 6.5 Production and publication
  // -------------------------------------------------------------------------------------------

  /** DB11/T 2290 6.4: an issuer works only on catalogue entries its own organisation administers. */
  private issuerEntry(s: AccessSystem, licenseItemCode: string): CatalogueEntry {
    const entry = this.catalogueEntry(licenseItemCode);
    if (entry.admin_org_code !== s.org_code) {
      throw new ApiError('FORBIDDEN', '该电子证照目录不属于本颁证机构', { innerCode: 'NOT_CATALOGUE_ADMIN' });
    }
    if (entry.status !== 2) throw new ApiError('INVALID_REQUEST', '电子证照目录未发布', { innerCode: 'CATALOGUE_NOT_PUBLISHED' });
    return entry;
  }

  private load(code: string): LicenseRecord | undefined {
    const row = this.st.licenseByCode.get(code);
    return row ? (JSON.parse(row.record) as LicenseRecord) : undefined;
  }

  /** A certificate of this catalogue entry by license_code or id_code. */
  private find(entry: CatalogueEntry, ref: { license_code?: string; id_code?: string }): LicenseRecord {
    let rec: LicenseRecord | undefined;
    if (ref.license_code) rec = this.load(ref.license_code);
    else if (ref.id_code) {
      const row = this.st.licenseByIdCode.get(entry.license_item_code, ref.id_code);
      rec = row ? (JSON.parse(row.record) as LicenseRecord) : undefined;
    } else throw new ApiError('INVALID_REQUEST', '须提供 license_code 或 id_code');
    if (!rec || rec.license_item_code !== entry.license_item_code) throw new ApiError('NOT_FOUND', '证照不存在', { innerCode: 'LICENSE_NOT_FOUND' });
    return rec;
  }

  private save(rec: LicenseRecord, isNew: boolean): void {
    const json = JSON.stringify(rec);
    if (isNew) this.st.insertLicense.run(rec.license_code, rec.license_item_code, rec.id_code, rec.holder_identity_num, rec.license_status, json);
    else this.st.updateLicense.run(rec.id_code, rec.holder_identity_num, rec.license_status, json, rec.license_code);
    this.st.deleteHolders.run(rec.license_code);
    for (const num of rec.holder_identity_num.split(',').map((n) => n.trim()).filter(Boolean)) this.st.insertHolder.run(rec.license_code, num);
  }

  private checkHolder(type: string, nums: string): void {
    for (const num of nums.split(',').map((n) => n.trim())) {
      if (!num) throw new ApiError('INVALID_REQUEST', '持证主体证件号码不能为空');
      if (type === '111' && !isValidResidentId(num)) {
        throw new ApiError('INVALID_REQUEST', `居民身份证号码不合法：${maskValue(num)}`, { innerCode: 'INVALID_IDENTITY_NUM' });
      }
    }
  }

  private checkDataFields(entry: CatalogueEntry, fields: DataFields): void {
    const known = new Map(entry.data_items.map((d) => [d.key, d]));
    for (const [key, value] of Object.entries(fields)) {
      const item = known.get(key);
      if (!item) throw new ApiError('INVALID_REQUEST', `照面项 ${key} 不在目录中`, { innerCode: 'UNKNOWN_DATA_ITEM' });
      if (typeof value !== 'string') throw new ApiError('INVALID_REQUEST', `照面项 ${key} 须为字符串`, { innerCode: 'INVALID_DATA_ITEM' });
      if ([...value].length > item.length) throw new ApiError('INVALID_REQUEST', `照面项 ${item.name} 超过长度 ${item.length}`, { innerCode: 'INVALID_DATA_ITEM' });
      if (item.data_type === 'date' && value !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
        throw new ApiError('INVALID_REQUEST', `照面项 ${item.name} 须为 YYYY-MM-DD 日期`, { innerCode: 'INVALID_DATA_ITEM' });
      }
    }
    for (const item of entry.data_items) {
      if (!item.is_allow_null && !fields[item.key]) {
        throw new ApiError('INVALID_REQUEST', `缺少必填照面项 ${item.name}（${item.key}）`, { innerCode: 'MISSING_DATA_ITEM' });
      }
    }
  }

  /** Face fields the certificate record already states, filled in where the issuer left them out. */
  private completeFields(rec: LicenseRecord, entry: CatalogueEntry, given: DataFields): DataFields {
    const defaults: DataFields = {
      ZZMC: entry.name, ZZHM: rec.id_code, CYRMC: rec.holder_name, CYRSFZJLX: rec.holder_identity_type,
      CYRSFZJHM: rec.holder_identity_num, FZJGMC: rec.issue_org_name, FZJGZZJGDM: rec.issue_org_code,
      FZJGSSXZQHDM: rec.division_code, FZRQ: rec.issue_date ?? rec.begin_date ?? '',
    };
    if (rec.expiry_date) defaults.YXQJSRQ = rec.expiry_date;
    const out: DataFields = {};
    for (const item of entry.data_items) {
      const v = given[item.key] ?? defaults[item.key];
      if (v !== undefined && v !== '') out[item.key] = v;
    }
    for (const [k, v] of Object.entries(given)) if (!(k in out) && v !== '') out[k] = v;
    return out;
  }

  private mintCode(p: { license: LicenseRecord; origin: AuthCodeOrigin; mintedBy: string; ttlMs: number; serviceItemCode?: string | null;
    serviceItemName?: string | null; bizNum?: string | null; holderIdentityNum?: string | null; boundTo?: string | null }): string {
    const code = newUsageCode();
    const now = this.now();
    this.st.insertCode.run({
      auth_code: code, license_code: p.license.license_code, origin: p.origin, minted_by: p.mintedBy,
      holder_identity_num: p.holderIdentityNum ?? p.license.holder_identity_num, service_item_code: p.serviceItemCode ?? null,
      service_item_name: p.serviceItemName ?? null, biz_num: p.bizNum ?? null, created_at: now, expires_at: now + p.ttlMs, bound_to: p.boundTo ?? null,
    });
    return code;
  }

  private createInTx(s: AccessSystem, entry: CatalogueEntry, d: Omit<CreateLicenseData, 'operator'>, operator: Operator): { rec: LicenseRecord; auth_code: string } {
    const identityType = normaliseIdentityType(d.holder_identity_type);
    this.checkHolder(identityType, d.holder_identity_num);
    if (d.begin_date && d.expiry_date && d.expiry_date < d.begin_date) throw new ApiError('INVALID_REQUEST', '有效期结束日期早于开始日期');
    const licenseCode = newLicenseCode();
    const serial = String(this.st.nextSerial.get()?.n ?? 1).padStart(8, '0');
    const idCode = d.id_code ?? buildIdCode({ typeCode: entry.license_item_code.slice(4, 10), issuerCode: s.org_code, serial });
    if (this.st.licenseByIdCode.get(entry.license_item_code, idCode)) {
      throw new ApiError('INVALID_REQUEST', '证照编号已存在', { innerCode: 'ID_CODE_EXISTS' });
    }
    const nowText = formatTimestamp(this.now());
    const rec: LicenseRecord = {
      license_code: licenseCode, license_item_code: entry.license_item_code, name: entry.name, license_type: entry.type,
      id_code: idCode, holder_name: d.holder_name, holder_identity_type: identityType, holder_identity_num: d.holder_identity_num,
      issue_org_name: s.org_name, issue_org_code: s.org_code, division: s.division, division_code: s.division_code,
      issue_date: null, begin_date: d.begin_date ?? null, expiry_date: d.expiry_date ?? null, data_fields: {},
      attachment_fields: [], trust_level: '3', biz_num: d.biz_num ?? null, license_status: 'DRAFT', creator: operator.name,
      creation_time: nowText, issuer: null, issue_time: null, abolisher: null, abolish_time: null, abolish_reason: null,
      correlative_license: null, algorithm: null, s_sign_cert: null, s_sign_data: null, last_modification_time: nowText,
    };
    rec.data_fields = this.completeFields(rec, entry, d.data_fields);
    this.save(rec, true);
    const auth_code = this.mintCode({ license: rec, origin: 'issuer', mintedBy: s.app_key, ttlMs: LONG_CODE_TTL_MS,
      serviceItemCode: d.service_item_code, serviceItemName: d.service_item_name, bizNum: d.biz_num ?? null });
    return { rec, auth_code };
  }

  create(s: AccessSystem, licenseItemCode: string, d: CreateLicenseData): { license_code: string; auth_code: string } {
    const entry = this.issuerEntry(s, licenseItemCode);
    const { operator, ...rest } = d;
    return this.db.transaction(() => {
      const { rec, auth_code } = this.createInTx(s, entry, rest, operator);
      return { license_code: rec.license_code, auth_code };
    })();
  }

  private signInTx(entry: CatalogueEntry, rec: LicenseRecord, operator: Operator): void {
    if (rec.license_status !== 'DRAFT' && rec.license_status !== 'REGISTERED') {
      if (rec.license_status === 'ISSUED') throw new ApiError('INVALID_REQUEST', '证照已签发', { innerCode: 'LICENSE_ALREADY_ISSUED' });
      throw wrongState(rec.license_status);
    }
    const now = this.now();
    rec.issue_date = formatDate(now);
    rec.begin_date ??= rec.issue_date;
    rec.issue_time = formatTimestamp(now);
    rec.issuer = operator.name;
    rec.license_status = 'ISSUED';
    rec.data_fields = this.completeFields(rec, entry, rec.data_fields);
    if (!rec.data_fields.FZRQ || rec.data_fields.FZRQ === '') rec.data_fields.FZRQ = rec.issue_date;
    this.checkDataFields(entry, rec.data_fields);
    rec.algorithm = this.opts.signer.algorithm;
    rec.s_sign_cert = this.opts.signer.publicKey;
    rec.s_sign_data = this.opts.signer.sign(canonicalJson(signedContent(rec)));
    rec.last_modification_time = rec.issue_time;
    this.save(rec, false);
  }

  sign(s: AccessSystem, licenseItemCode: string, d: SignLicenseData): void {
    const entry = this.issuerEntry(s, licenseItemCode);
    this.db.transaction(() => this.signInTx(entry, this.find(entry, d), d.operator))();
  }

  update(s: AccessSystem, licenseItemCode: string, d: UpdateLicenseData): { license_code: string } {
    const entry = this.issuerEntry(s, licenseItemCode);
    return this.db.transaction(() => {
      const rec = this.find(entry, d);
      if (rec.license_status !== 'DRAFT' && rec.license_status !== 'REGISTERED') throw wrongState(rec.license_status);
      if (d.holder_identity_type !== undefined) rec.holder_identity_type = normaliseIdentityType(d.holder_identity_type);
      if (d.holder_identity_num !== undefined) rec.holder_identity_num = d.holder_identity_num;
      this.checkHolder(rec.holder_identity_type, rec.holder_identity_num);
      if (d.holder_name !== undefined) rec.holder_name = d.holder_name;
      if (d.begin_date !== undefined) rec.begin_date = d.begin_date;
      if (d.expiry_date !== undefined) rec.expiry_date = d.expiry_date;
      if (d.biz_num !== undefined) rec.biz_num = d.biz_num;
      if (d.id_code !== undefined && d.id_code !== rec.id_code) {
        if (this.st.licenseByIdCode.get(entry.license_item_code, d.id_code)) throw new ApiError('INVALID_REQUEST', '证照编号已存在', { innerCode: 'ID_CODE_EXISTS' });
        rec.id_code = d.id_code;
      }
      rec.data_fields = { ...rec.data_fields, ...(d.data_fields ?? {}) };
      // Derived face fields follow the record they mirror.
      rec.data_fields.CYRMC = d.data_fields?.CYRMC ?? rec.holder_name;
      rec.data_fields.CYRSFZJHM = d.data_fields?.CYRSFZJHM ?? rec.holder_identity_num;
      rec.data_fields.ZZHM = d.data_fields?.ZZHM ?? rec.id_code;
      if (rec.expiry_date) rec.data_fields.YXQJSRQ = d.data_fields?.YXQJSRQ ?? rec.expiry_date;
      rec.last_modification_time = formatTimestamp(this.now());
      this.save(rec, false);
      return { license_code: rec.license_code };
    })();
  }

  delete(s: AccessSystem, licenseItemCode: string, d: { license_code: string }): void {
    const entry = this.issuerEntry(s, licenseItemCode);
    this.db.transaction(() => {
      const rec = this.find(entry, d);
      if (rec.license_status !== 'DRAFT' && rec.license_status !== 'REGISTERED') throw wrongState(rec.license_status);
      this.st.deleteHolders.run(rec.license_code);
      this.st.deleteAttachments.run(rec.license_code);
      this.st.deleteCodes.run(rec.license_code);
      this.st.deleteLicense.run(rec.license_code);
    })();
  }

  createAttachment(s: AccessSystem, licenseItemCode: string, d: CreateAttachmentData): { attachment_code: string } {
    const entry = this.issuerEntry(s, licenseItemCode);
    const bytes = Buffer.from(d.file_data, 'base64');
    if (bytes.length === 0) throw new ApiError('INVALID_REQUEST', '附件内容为空或不是 base64');
    return this.db.transaction(() => {
      const rec = this.find(entry, d);
      if (rec.license_status !== 'DRAFT' && rec.license_status !== 'REGISTERED') throw wrongState(rec.license_status);
      const code = newLicenseCode();
      this.st.insertAttachment.run(code, rec.license_code, d.name, d.file_type, bytes, d.is_license_image ? 1 : 0, d.description ?? '', this.now());
      rec.attachment_fields.push({ attachment_code: code, name: d.name, file_type: d.file_type, is_license_image: !!d.is_license_image, description: d.description ?? '' });
      rec.last_modification_time = formatTimestamp(this.now());
      this.save(rec, false);
      return { attachment_code: code };
    })();
  }

  change(s: AccessSystem, licenseItemCode: string, d: ChangeLicenseData): { license_code: string; auth_code: string } {
    const entry = this.issuerEntry(s, licenseItemCode);
    return this.db.transaction(() => {
      const old = this.find(entry, d);
      if (old.license_status !== 'ISSUED') throw wrongState(old.license_status);
      const fields = { ...old.data_fields, ...(d.data_fields ?? {}) };
      // Number, dates and issue date belong to the new certificate, not the old one.
      delete fields.ZZHM; delete fields.FZRQ; delete fields.YXQJSRQ;
      const { rec, auth_code } = this.createInTx(s, entry, {
        service_item_code: '', service_item_name: '', biz_num: old.biz_num ?? undefined, holder_name: old.holder_name,
        holder_identity_type: old.holder_identity_type, holder_identity_num: old.holder_identity_num,
        begin_date: d.begin_date, expiry_date: d.expiry_date === undefined ? (old.expiry_date ?? undefined) : d.expiry_date,
        data_fields: fields,
      }, d.operator);
      rec.correlative_license = old.license_code;
      this.signInTx(entry, rec, d.operator);
      const now = formatTimestamp(this.now());
      old.license_status = 'ABOLISHED';
      old.abolisher = d.operator.name;
      old.abolish_time = now;
      old.abolish_reason = d.reason;
      old.correlative_license = rec.license_code;
      old.last_modification_time = now;
      this.save(old, false);
      return { license_code: rec.license_code, auth_code };
    })();
  }

  abolish(s: AccessSystem, licenseItemCode: string, d: AbolishLicenseData): void {
    const entry = this.issuerEntry(s, licenseItemCode);
    this.db.transaction(() => {
      const rec = this.find(entry, d);
      if (rec.license_status !== 'ISSUED') throw wrongState(rec.license_status);
      const now = formatTimestamp(this.now());
      rec.license_status = 'ABOLISHED';
      rec.abolisher = d.operator.name;
      rec.abolish_time = now;
      rec.abolish_reason = d.abolish_reason;
      if (d.biz_num) rec.biz_num = d.biz_num;
      rec.last_modification_time = now;
      this.save(rec, false);
    })();
  }

  /** Items arrive checked one by one: an item that failed its check is its refusal. */
  batchIssue(s: AccessSystem, licenseItemCode: string, d: { items: Array<Omit<CreateLicenseData, 'operator'> | ApiError>; operator: Operator }): { results: BatchIssueItemResult[] } {
    const entry = this.issuerEntry(s, licenseItemCode);
    if (d.items.length > MAX_BATCH) throw new ApiError('INVALID_REQUEST', `单批最多 ${MAX_BATCH} 条`);
    // DB11/T 2290 6.5: one bad item never fails the others, so each item is its own transaction.
    const results = d.items.map((item, index): BatchIssueItemResult => {
      if (item instanceof ApiError) return { index, ack_code: 'FAILURE', errors: [item.toWire()] };
      try {
        return this.db.transaction(() => {
          const { rec, auth_code } = this.createInTx(s, entry, item, d.operator);
          this.signInTx(entry, rec, d.operator);
          return { index, ack_code: 'SUCCESS' as const, license_code: rec.license_code, auth_code, errors: [] };
        })();
      } catch (err) {
        // Whatever went wrong stays with this item (its transaction rolled back).
        const refusal = err instanceof ApiError ? err : new ApiError('INTERNAL_ERROR', '该条证照数据处理失败');
        return { index, ack_code: 'FAILURE', errors: [refusal.toWire()] };
      }
    });
    return { results };
  }

  // -------------------------------------------------------------------------------------------
  // 6.6 Holder authorisation
  // -------------------------------------------------------------------------------------------

  async holderIdentity(credential: string): Promise<CredentialIdentity> {
    let identity: CredentialIdentity | null;
    try {
      identity = await this.opts.verifyCredential(credential);
    } catch {
      // The provider could not answer: a fault on our side, not a refusal of the holder.
      throw new ApiError('INTERNAL_ERROR', '统一身份认证平台暂不可用，请稍后再试', { innerCode: 'IDP_UNAVAILABLE', httpStatus: 503 });
    }
    if (!identity || !identity.identity_num) throw new ApiError('CREDENTIAL_INVALID');
    return identity;
  }

  private holderLicenses(identityNum: string): LicenseRecord[] {
    return this.st.licensesOfHolder.all(identityNum).map((r) => JSON.parse(r.record) as LicenseRecord);
  }

  /**
   * DB11/T 2290 6.6 license/holder: the holder's ISSUED certificates the item accepts, one fresh
   * code each. A certificate past its expiry date is still ISSUED and is returned with its
   * expiry_date; refusing to authorise it is the holder app's decision.
   */
  async holder(s: AccessSystem, d: { service_item_code: string; service_item_name?: string; biz_num?: string; credential: string }): Promise<{ data: LicenseRecord[]; auth_codes: string[] }> {
    const identity = await this.holderIdentity(d.credential);
    const item = this.serviceItem(d.service_item_code);
    const accepted = new Set(item.license_item_codes);
    const data = this.holderLicenses(identity.identity_num).filter((r) => r.license_status === 'ISSUED' && accepted.has(r.license_item_code));
    const auth_codes = this.db.transaction(() => data.map((license) => this.mintCode({
      license, origin: 'holder', mintedBy: s.app_key, ttlMs: this.opts.holderCodeTtlSeconds * 1000,
      serviceItemCode: item.service_item_code, serviceItemName: d.service_item_name ?? item.name, bizNum: d.biz_num ?? null,
      holderIdentityNum: identity.identity_num,
    })))();
    return { data, auth_codes };
  }

  async webpage(credential: string): Promise<LicenseRecord[]> {
    const identity = await this.holderIdentity(credential);
    return this.holderLicenses(identity.identity_num).filter((r) => r.license_status === 'ISSUED' || r.license_status === 'ABOLISHED');
  }

  /** Checks a code for redemption by `s`; throws the spec's refusal. Does not bind. */
  private checkCode(s: AccessSystem, authCode: string): { code: AuthCodeRow; license: LicenseRecord } {
    const code = this.st.codeByCode.get(authCode);
    if (!code) throw new ApiError('AUTH_CODE_INVALID');
    // Spec "Holder app rights": the holder app redeems only codes it minted through license/holder.
    if (s.kind === 'holder' && (code.origin !== 'holder' || code.minted_by !== s.app_key)) {
      throw new ApiError('FORBIDDEN', '持证人应用只能使用本系统为持证人生成的用证码', { innerCode: 'NOT_OWN_HOLDER_CODE' });
    }
    // Before any state check: a system the holder did not consent to learns nothing about the code.
    if (!this.consentedRecipient(s, code)) {
      throw new ApiError('AUTH_CODE_BOUND_TO_OTHER_SYSTEM', '用证码仅限持证人授权的办事单位使用', { innerCode: 'NOT_CONSENTED_RECIPIENT' });
    }
    if (code.revoked_at !== null) throw new ApiError('AUTH_CODE_REVOKED');
    if (this.now() >= code.expires_at) throw new ApiError('AUTH_CODE_EXPIRED');
    if (code.bound_to !== null && code.bound_to !== s.app_key) throw new ApiError('AUTH_CODE_BOUND_TO_OTHER_SYSTEM');
    const license = this.load(code.license_code);
    if (!license) throw new ApiError('AUTH_CODE_INVALID');
    if (license.license_status === 'ABOLISHED') throw new ApiError('LICENSE_ABOLISHED');
    if (license.license_status !== 'ISSUED') throw new ApiError('LICENSE_NOT_ISSUED');
    return { code, license };
  }

  /**
   * DB11/T 2290 6.6 [spec usage-code rules]: a code minted by license/holder for a service item is
   * honoured only by an access system of the organisation that owns that item, since that is who the
   * holder consented to. The holder app's own codes (mobile view) are checked above, not here.
   */
  private consentedRecipient(s: AccessSystem, code: AuthCodeRow): boolean {
    if (code.origin !== 'holder' || s.kind === 'holder') return true;
    const item = code.service_item_code ? this.st.itemByCode.get(code.service_item_code) : undefined;
    return item !== undefined && item.org_code === s.org_code;
  }

  private pushEvent(mintedBy: string, event: EventBody): void {
    const info = this.st.insertEvent.run(mintedBy, JSON.stringify(event));
    this.events.emit(`code-event:${mintedBy}`, Number(info.lastInsertRowid));
  }

  /** Binds the code to `s` on first use and records the redemption (who, which interface, when). */
  private redeem(s: AccessSystem, authCode: string, iface: RedemptionInterface, ctx: RedemptionContext): { code: AuthCodeRow; license: LicenseRecord } {
    return this.db.transaction(() => {
      const checked = this.checkCode(s, authCode);
      if (checked.code.bound_to === null) {
        const changed = this.st.bindCode.run(s.app_key, authCode).changes;
        if (changed === 0) throw new ApiError('AUTH_CODE_BOUND_TO_OTHER_SYSTEM');
      }
      const now = this.now();
      const operatorName = ctx.operatorName ?? s.account;
      this.st.insertRedemption.run(authCode, checked.license.license_code, s.app_key, iface, operatorName, ctx.bizNum ?? null, now);
      this.pushEvent(checked.code.minted_by, {
        type: 'redeemed', auth_code: authCode, license_code: checked.license.license_code, interface: iface, system: s.app_key,
        system_name: s.name, org_name: s.org_name, org_code: s.org_code, operator_name: operatorName, time: formatTimestamp(now),
      });
      return checked;
    })();
  }

  /** Only counter and business systems may see sensitive face fields, and only when they ask. */
  private allowSensitive(s: AccessSystem, requested: boolean | undefined): boolean {
    if (!requested) return false;
    if (s.kind === 'counter' || s.kind === 'business') return true;
    throw new ApiError('FORBIDDEN', '当前接入系统无权查看敏感照面信息', { innerCode: 'SENSITIVE_NOT_ALLOWED' });
  }

  masked(rec: LicenseRecord): LicenseRecord {
    const entry = this.catalogueEntry(rec.license_item_code);
    const sensitive = new Set(entry.data_items.filter((d) => d.is_sensitive).map((d) => d.key));
    const fields: DataFields = {};
    for (const [k, v] of Object.entries(rec.data_fields)) fields[k] = sensitive.has(k) ? maskValue(v) : v;
    // The holder's identity number is sensitive wherever it appears, not only on the face.
    const holderIdentityNum = rec.holder_identity_num.split(',').map((n) => maskValue(n)).join(',');
    return { ...rec, holder_identity_num: holderIdentityNum, data_fields: fields };
  }

  getLicense(s: AccessSystem, authCode: string, showSensitive: boolean | undefined, ctx: RedemptionContext): LicenseRecordWire {
    const show = this.allowSensitive(s, showSensitive);
    const { code, license } = this.redeem(s, authCode, 'get_license', ctx);
    const { record } = this.forServiceItem(license, code);
    const out = show ? record : this.masked(record);
    return { ...out, data_fields: JSON.stringify(out.data_fields) };
  }

  token(s: AccessSystem, authCode: string, ctx: RedemptionContext): { license_access_token: string; expiry_date: string } {
    const { license } = this.redeem(s, authCode, 'token', ctx);
    const token = newSecretToken();
    const expires = this.now() + this.opts.accessTokenTtlSeconds * 1000;
    this.st.insertLicenseToken.run(token, license.license_code, authCode, s.app_key, expires);
    return { license_access_token: token, expiry_date: formatTimestamp(expires) };
  }

  archiveSource(s: AccessSystem, authCode: string, showSensitive: boolean | undefined, ctx: RedemptionContext): { record: LicenseRecord; catalogue: CatalogueEntry; showSensitive: boolean } {
    const show = this.allowSensitive(s, showSensitive);
    const { code, license } = this.redeem(s, authCode, 'archive', ctx);
    return { ...this.forServiceItem(license, code), showSensitive: show };
  }

  /**
   * Extension for the mobile view page: the token is the capability, no session needed. Sensitive
   * face fields are always masked here, because the page may be shown on any screen.
   */
  licenseByToken(token: string): { license: LicenseRecord; expiry_date: string; viewer_system: string; viewer_org_name: string } {
    const row = this.st.licenseToken.get(token);
    if (!row) throw new ApiError('AUTH_CODE_INVALID', '证照访问令牌无效', { innerCode: 'LICENSE_ACCESS_TOKEN_INVALID' });
    if (this.now() >= row.expires_at) throw new ApiError('AUTH_CODE_EXPIRED', '证照访问令牌已过期', { innerCode: 'LICENSE_ACCESS_TOKEN_EXPIRED' });
    const license = this.load(row.license_code);
    if (!license) throw new ApiError('AUTH_CODE_INVALID', '证照访问令牌无效', { innerCode: 'LICENSE_ACCESS_TOKEN_INVALID' });
    if (license.license_status === 'ABOLISHED') throw new ApiError('LICENSE_ABOLISHED');
    const viewer = this.st.systemByKey.get(row.app_key);
    return { license: this.masked(license), expiry_date: formatTimestamp(row.expires_at), viewer_system: row.app_key, viewer_org_name: viewer?.org_name ?? '' };
  }

  /** Extension: the holder revokes one of the codes of their certificates. Idempotent. */
  async revoke(d: { auth_code: string; credential: string }): Promise<{ auth_code: string; revoked_at: string }> {
    const identity = await this.holderIdentity(d.credential);
    return this.db.transaction(() => {
      const code = this.st.codeByCode.get(d.auth_code);
      const license = code ? this.load(code.license_code) : undefined;
      const holders = license?.holder_identity_num.split(',').map((n) => n.trim()) ?? [];
      // Someone else's code answers like an unknown one: no probing of other holders' codes.
      if (!code || !license || !holders.includes(identity.identity_num)) throw new ApiError('AUTH_CODE_INVALID');
      if (code.revoked_at !== null) return { auth_code: code.auth_code, revoked_at: formatTimestamp(code.revoked_at) };
      const now = this.now();
      this.st.revokeCode.run(now, code.auth_code);
      this.pushEvent(code.minted_by, { type: 'revoked', auth_code: code.auth_code, license_code: code.license_code, time: formatTimestamp(now) });
      return { auth_code: code.auth_code, revoked_at: formatTimestamp(now) };
    })();
  }

  async uses(credential: string): Promise<AuthCodeUse[]> {
    const identity = await this.holderIdentity(credential);
    return this.st.usesOfHolder.all(identity.identity_num).map((r) => {
      const rec = JSON.parse(r.record) as LicenseRecord;
      return {
        auth_code: r.auth_code, license_code: r.license_code, license_item_code: rec.license_item_code, license_name: rec.name,
        service_item_code: r.service_item_code, service_item_name: r.service_item_name, origin: r.origin, system: r.app_key,
        system_name: r.system_name, org_name: r.org_name, org_code: r.org_code, operator_name: r.operator_name, biz_num: r.biz_num,
        interface: r.interface, time: formatTimestamp(r.time),
      };
    });
  }

  /** The events of codes `appKey` minted after `since` (exclusive); `since` absent = from now. */
  eventsAfter(appKey: string, since: number | undefined): { events: AuthCodeEvent[]; next: number } {
    const from = since ?? this.st.lastEventId.get()?.id ?? 0;
    const rows = this.st.eventsAfter.all(appKey, from);
    const events = rows.map((r) => ({ ...(JSON.parse(r.event) as EventBody), cursor: String(r.id) }) as AuthCodeEvent);
    return { events, next: rows.length ? (rows[rows.length - 1] as { id: number }).id : from };
  }

  // -------------------------------------------------------------------------------------------
  // 6.7 By function
  // -------------------------------------------------------------------------------------------

  byFunction(s: AccessSystem, d: { identity_number: string; service_item_code: string; service_item_name?: string; biz_num: string;
    page_index?: number; page_size?: number; operator: Operator }): { total: number; data: LicenseRecord[]; auth_codes: string[] } {
    const item = this.serviceItem(d.service_item_code);
    // DB11/T 2290 6.7: a system verifies only for its own organisation's service items.
    if (item.org_code !== s.org_code) throw new ApiError('FORBIDDEN', '该事项不属于本接入系统所在机构', { innerCode: 'NOT_OWN_SERVICE_ITEM' });
    const numbers = [...new Set(d.identity_number.split(',').map((n) => n.trim()).filter(Boolean))];
    if (numbers.length === 0 || numbers.length > 20) throw new ApiError('INVALID_REQUEST', '证件号码须为 1 至 20 个，以逗号分隔');
    const accepted = new Set(item.license_item_codes);
    const seen = new Set<string>();
    const all: LicenseRecord[] = [];
    for (const n of numbers) {
      for (const r of this.holderLicenses(n)) {
        if (r.license_status === 'ISSUED' && accepted.has(r.license_item_code) && !seen.has(r.license_code)) {
          seen.add(r.license_code);
          all.push(r);
        }
      }
    }
    const pageIndex = d.page_index ?? 1;
    const pageSize = d.page_size ?? 10;
    const page = all.slice((pageIndex - 1) * pageSize, pageIndex * pageSize);
    return this.db.transaction(() => {
      this.st.insertAudit.run(this.now(), s.app_key, 'license/auth', item.service_item_code, d.biz_num, JSON.stringify(d.operator),
        JSON.stringify({ identity_count: numbers.length, found: all.length }));
      // By-function codes are the caller's own: bound to it from the start.
      const auth_codes = page.map((license) => this.mintCode({
        license, origin: 'by_function', mintedBy: s.app_key, ttlMs: LONG_CODE_TTL_MS, serviceItemCode: item.service_item_code,
        serviceItemName: d.service_item_name ?? item.name, bizNum: d.biz_num, boundTo: s.app_key,
      }));
      return { total: all.length, data: page, auth_codes };
    })();
  }

  // -------------------------------------------------------------------------------------------
  // 5.4 Replay protection
  // -------------------------------------------------------------------------------------------

  /** False when the nonce was already used by this system within its lifetime. */
  useNonce(appKey: string, nonce: string, ttlMs: number): boolean {
    const now = this.now();
    if (Math.random() < 0.01) this.st.purgeNonces.run(now);
    const existing = this.st.nonceGet.get(appKey, nonce);
    if (existing && existing.expires_at >= now) return false;
    this.st.insertNonce.run(appKey, nonce, now + ttlMs);
    return true;
  }
}

