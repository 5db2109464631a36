// The sandbox license service's store: access systems and setup data, the 6.2 session, the 6.3
// catalogue and the record and usage-code rows the issuer and holder parts build on.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { AuthCodeOrigin, CatalogueEntry, CurrentUser, DataFields, LicenseRecord, ServiceItem } from '../contract/upstream.ts';
import type { SandboxDb } from './db.ts';
import { serviceItemDataKeys } from '../contract/upstream.ts';
import { isValidResidentId } from '../contract/resident-id.ts';
import { ApiError, maskValue } from './wire.ts';

import { prepareStatements, type Statements } from './license-statements.ts';
import { type AccessSystem, type LicenseServiceOptions, newUsageCode, safeEqual, type AuthCodeRow, type StoredServiceItem, parseServiceItem } from './license-records.ts';

export abstract class LicenseStore {
  readonly events = new EventEmitter();
  protected readonly db: SandboxDb;
  protected readonly opts: LicenseServiceOptions;
  protected readonly catalogueCache = new Map<string, CatalogueEntry>();
  protected readonly st: Statements;

  constructor(opts: LicenseServiceOptions) {
    this.opts = opts;
    this.db = opts.db;
    this.events.setMaxListeners(0);
    this.st = prepareStatements(this.db);
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

  protected serviceItem(code: string): StoredServiceItem {
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
  protected forServiceItem(rec: LicenseRecord, code: AuthCodeRow): { record: LicenseRecord; catalogue: CatalogueEntry } {
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


  /** DB11/T 2290 6.4: an issuer works only on catalogue entries its own organisation administers. */
  protected issuerEntry(s: AccessSystem, licenseItemCode: string): CatalogueEntry {
    const entry = this.catalogueEntry(licenseItemCode);
    if (entry.admin_org_code !== s.org_code) {
      throw new ApiError('FORBIDDEN', '该电子证照目录不属于本颁证机构', { innerCode: 'NOT_CATALOGUE_ADMIN' });
    }
    if (entry.status !== 2) throw new ApiError('INVALID_REQUEST', '电子证照目录未发布', { innerCode: 'CATALOGUE_NOT_PUBLISHED' });
    return entry;
  }

  protected load(code: string): LicenseRecord | undefined {
    const row = this.st.licenseByCode.get(code);
    return row ? (JSON.parse(row.record) as LicenseRecord) : undefined;
  }

  /** A certificate of this catalogue entry by license_code or id_code. */
  protected find(entry: CatalogueEntry, ref: { license_code?: string; id_code?: string }): LicenseRecord {
    let rec: LicenseRecord | undefined;
    if (ref.license_code) rec = this.load(ref.license_code);
    else if (ref.id_code) {
      const row = this.st.licenseByIdCode.get(entry.license_item_code, ref.id_code);
      rec = row ? (JSON.parse(row.record) as LicenseRecord) : undefined;
    } else throw new ApiError('INVALID_REQUEST', '须提供 license_code 或 id_code');
    if (!rec || rec.license_item_code !== entry.license_item_code) throw new ApiError('NOT_FOUND', '证照不存在', { innerCode: 'LICENSE_NOT_FOUND' });
    return rec;
  }

  protected save(rec: LicenseRecord, isNew: boolean): void {
    const json = JSON.stringify(rec);
    if (isNew) this.st.insertLicense.run(rec.license_code, rec.license_item_code, rec.id_code, rec.holder_identity_num, rec.license_status, json);
    else this.st.updateLicense.run(rec.id_code, rec.holder_identity_num, rec.license_status, json, rec.license_code);
    this.st.deleteHolders.run(rec.license_code);
    for (const num of rec.holder_identity_num.split(',').map((n) => n.trim()).filter(Boolean)) this.st.insertHolder.run(rec.license_code, num);
  }

  protected checkHolder(type: string, nums: string): void {
    for (const num of nums.split(',').map((n) => n.trim())) {
      if (!num) throw new ApiError('INVALID_REQUEST', '持证主体证件号码不能为空');
      if (type === '111' && !isValidResidentId(num)) {
        throw new ApiError('INVALID_REQUEST', `居民身份证号码不合法：${maskValue(num)}`, { innerCode: 'INVALID_IDENTITY_NUM' });
      }
    }
  }

  protected checkDataFields(entry: CatalogueEntry, fields: DataFields): void {
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
  protected completeFields(rec: LicenseRecord, entry: CatalogueEntry, given: DataFields): DataFields {
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

  protected mintCode(p: { license: LicenseRecord; origin: AuthCodeOrigin; mintedBy: string; ttlMs: number; serviceItemCode?: string | null;
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

}
