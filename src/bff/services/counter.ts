// The counter's use of the sharing service (DB11/T 2290 6.6 redemption, 6.7 by function) with the
// counter's own access system, naming the staff member as operator and the case on every call.
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type {
  CounterByFunctionRequest,
  CounterByFunctionResponse,
  CounterField,
  CounterRedeemRequest,
  CounterRedemption,
  CounterServiceItem,
  CounterServiceItemsResponse,
  CounterWarning,
} from '../../contract/counter.ts';
import { BY_FUNCTION_HANDLE_PREFIX } from '../../contract/counter.ts';
import { ArchiveResultSchema, HOLDER_IDENTITY_TYPES, serviceItemDataKeys, type ArchiveResult, type CatalogueEntry, type CurrentUser, type LicenseRecord, type Operator } from '../../contract/upstream.ts';
import { readAs, readRecord } from '../upstream/read.ts';
import type { HolderSession } from '../fastify.d.ts';
import { ApiError } from '../errors.ts';
import { certificateValidity } from '../../contract/certificate-validity.ts';
import { maskIdentityNumber, maskSensitiveValue as maskValue } from '../../contract/masking.ts';
import type { UpstreamClient } from '../upstream/client.ts';
import type { CounterRecipientCheck } from './counter-recipient.ts';
import type { CounterCodes } from './counter-code.ts';
import { auditEntry, type CounterAuditStore } from '../store/counter-audit.ts';
import { MemoryHandleStore, type HandleStore } from '../store/handles.ts';
import { readTypedCode } from '../../contract/counter-code.ts';
import { UpstreamError, UpstreamUnavailableError } from '../upstream/errors.ts';
import { refusal } from './counter-refusals.ts';

/** A service item with the upstream's minimum-necessary extension, kept in the BFF only. */
type ItemWithKeys = CounterServiceItem & { dataItemKeys?: Record<string, string[]> };
const REFERENCE_TTL_MS = 10 * 60_000;
/** By-function codes live 24 h upstream; a handle only as long as a counter visit reasonably takes. */
const HANDLE_TTL_MS = 30 * 60_000;
export const BY_FUNCTION_PAGE_SIZE = 10;

export interface CounterServiceOptions {
  upstream: UpstreamClient;
  resultClearSeconds: number;
  log: FastifyBaseLogger;
  clock?: () => number;
  /** Refuses codes this BFF minted for another organisation, before any upstream call. */
  recipient?: CounterRecipientCheck;
  /** Resolves a typed counter code to its usage code (issue 15); without it only full codes are taken. */
  counterCodes?: CounterCodes;
  /** Where each counter call is recorded (issue 13): who, which code (hashed), which case, the outcome. */
  audit?: CounterAuditStore;
  /** Where by-function handles live (store/handles.ts): Redis with many instances; memory by default. */
  handles?: HandleStore;
}

interface Cached<T> {
  value: Promise<T>;
  until: number;
}

function isMasked(value: string): boolean {
  return value.includes('*');
}

/** '111' -> 居民身份证; legacy 10 (18-digit ID card) and 40 (other) too (spec: data model). */
function identityTypeName(code: string): string {
  if (code === '10') return HOLDER_IDENTITY_TYPES['111'];
  if (code === '40') return HOLDER_IDENTITY_TYPES['999'];
  return (HOLDER_IDENTITY_TYPES as Record<string, string>)[code] ?? code;
}

/** The shared validity rule (contract/certificate-validity.ts). */
export const licenseState = certificateValidity;

export class CounterService {
  readonly #up: UpstreamClient;
  readonly #opts: CounterServiceOptions;
  readonly #now: () => number;
  readonly #handles: HandleStore;
  readonly #items = new Map<string, Cached<ItemWithKeys[]>>();
  readonly #catalogue = new Map<string, Cached<CatalogueEntry>>();
  #system: Cached<CurrentUser> | null = null;

  constructor(opts: CounterServiceOptions) {
    this.#opts = opts;
    this.#up = opts.upstream;
    this.#now = opts.clock ?? Date.now;
    this.#handles = opts.handles ?? new MemoryHandleStore();
  }

  #cached<T>(map: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const hit = map.get(key);
    if (hit && hit.until > this.#now()) return hit.value;
    const value = load();
    map.set(key, { value, until: this.#now() + REFERENCE_TTL_MS });
    // A failed load is not remembered: the next call tries again.
    value.catch(() => map.delete(key));
    return value;
  }

  /** The counter access system's own registration (division for the operator object). */
  #counterSystem(): Promise<CurrentUser> {
    if (this.#system && this.#system.until > this.#now()) return this.#system.value;
    const value = this.#up.currentUser();
    this.#system = { value, until: this.#now() + REFERENCE_TTL_MS };
    value.catch(() => (this.#system = null));
    return value;
  }

  /** DB11/T 2290 6 conventions: `operator` names the person acting. */
  async operator(staff: HolderSession): Promise<Operator> {
    const system = await this.#counterSystem();
    return {
      account: staff.sub,
      name: staff.name,
      identity_num: staff.identityNum,
      role: staff.role,
      service_org: staff.orgName ?? system.service_org.name,
      service_org_code: staff.orgCode ?? system.service_org.org_code,
      division: system.division,
      division_code: system.division_code,
    };
  }

  #orgCode(staff: HolderSession): string {
    if (!staff.orgCode) throw new ApiError(403, 'FORBIDDEN', '当前工作人员账号未关联办事机构，请联系管理员');
    return staff.orgCode;
  }

  async serviceItems(staff: HolderSession): Promise<CounterServiceItemsResponse> {
    const items = await this.#itemsOf(staff);
    return {
      orgName: staff.orgName ?? '',
      serviceItems: items.map((i) => ({ serviceItemCode: i.serviceItemCode, name: i.name, licenseItemCodes: i.licenseItemCodes })),
      resultClearSeconds: this.#opts.resultClearSeconds,
      // [our decision] counter staff see sensitive face fields masked: verifying a certificate at
      // the window needs its number, validity and holder, not the full ID numbers on its face.
      sensitiveVisible: false,
    };
  }

  #itemsOf(staff: HolderSession): Promise<ItemWithKeys[]> {
    const orgCode = this.#orgCode(staff);
    return this.#cached(this.#items, orgCode, async () =>
      (await this.#up.serviceItems(orgCode)).map((i) => ({
        serviceItemCode: i.service_item_code, name: i.name, licenseItemCodes: i.license_item_codes ?? [],
        ...(i.data_item_keys ? { dataItemKeys: i.data_item_keys } : {}),
      })),
    ).catch((err: unknown) => {
      throw refusal(err);
    });
  }

  async #serviceItem(staff: HolderSession, code: string): Promise<ItemWithKeys> {
    const item = (await this.#itemsOf(staff)).find((i) => i.serviceItemCode === code);
    if (!item) throw new ApiError(400, 'BAD_REQUEST', '所选事项不属于本单位，请重新选择事项');
    return item;
  }

  /** A by-function handle back to its upstream code, for the staff member and case it was made for. */
  async #resolve(staff: HolderSession, req: CounterRedeemRequest, item: ItemWithKeys): Promise<{ authCode: string; byFunction: boolean }> {
    const authCode = await this.#fromCounterCode(staff, req.authCode);
    await this.#opts.recipient?.check(authCode, this.#orgCode(staff), item);
    if (!authCode.startsWith(BY_FUNCTION_HANDLE_PREFIX)) return { authCode, byFunction: false };
    const h = await this.#handles.get(authCode, this.#now());
    if (!h || h.staff !== staff.sub || h.bizNum !== req.bizNum || h.serviceItemCode !== req.serviceItemCode) {
      throw new ApiError(410, 'CODE_NOT_REDEEMABLE', '查询结果已失效或不属于当前办件，请重新按证件号码查询');
    }
    return { authCode: h.authCode, byFunction: true };
  }

  /**
   * What the clerk typed or scanned, to the usage code: a counter code (spaces, dashes) looked up
   * among the staff member's organisation's live codes only, a full code with its grouping spaces dropped.
   */
  async #fromCounterCode(staff: HolderSession, text: string): Promise<string> {
    const typed = readTypedCode(text);
    if (typed.kind === 'usage') return typed.code;
    if (typed.kind === 'bad-check-digit') throw new ApiError(400, 'BAD_REQUEST', '数字码校验位不符：请逐位核对后重新输入');
    if (typed.kind !== 'counter') return text.trim();
    if (!this.#opts.counterCodes) throw new ApiError(409, 'CODE_NOT_REDEEMABLE', '本窗口不能按数字码核验，请扫码或输入完整用证码');
    return this.#opts.counterCodes.resolve(staff.sub, this.#orgCode(staff), typed.code);
  }

  async #remember(authCode: string, staff: HolderSession, c: { bizNum: string; serviceItemCode: string }): Promise<string> {
    const handle = BY_FUNCTION_HANDLE_PREFIX + randomBytes(18).toString('base64url');
    await this.#handles.put(handle, { authCode, staff: staff.sub, bizNum: c.bizNum, serviceItemCode: c.serviceItemCode, expiresAt: this.#now() + HANDLE_TTL_MS });
    return handle;
  }

  /**
   * Redemption context on the GET interfaces: the spec has no operator on get_license/archive, so
   * the sandbox's extension (`operator_name`, `biz_num`) records who redeemed for which case.
   */
  #redeemQuery(staff: HolderSession, req: CounterRedeemRequest, authCode: string) {
    return { auth_code: authCode, operator_name: staff.name, biz_num: req.bizNum, service_item_code: req.serviceItemCode };
  }

  #audit(event: string, staff: HolderSession, req: { bizNum: string; serviceItemCode: string }, extra: Record<string, unknown>): void {
    // No auth code, no identity number, no names: the case number and the staff account say enough.
    this.#opts.log.info({ event, staff: staff.sub, biz_num: req.bizNum, service_item_code: req.serviceItemCode, ...extra }, 'counter call');
    this.#opts.audit?.record(auditEntry(event, staff.sub, req, extra, this.#now())).catch((err: unknown) => this.#opts.log.error({ error: (err as Error).name }, 'counter audit not written'));
  }

  async redeem(staff: HolderSession, req: CounterRedeemRequest): Promise<CounterRedemption> {
    const item = await this.#serviceItem(staff, req.serviceItemCode);
    const { authCode, byFunction } = await this.#resolve(staff, req, item);
    let record: LicenseRecord;
    try {
      const env = await this.#up.request('GET', 'license/get_license', {
        query: { ...this.#redeemQuery(staff, req, authCode), show_sensitive_data: false },
      });
      // DB11/T 2290 6.6: data_fields is a JSON string here; the reader takes either form.
      record = readRecord(env.data, 'get_license');
    } catch (err) {
      this.#audit('counter.redeem', staff, req, { outcome: err instanceof UpstreamError ? err.code : 'error', by_function: byFunction });
      throw refusal(err);
    }
    const entry = await this.#cached(this.#catalogue, record.license_item_code, () => this.#up.catalogEntry(record.license_item_code)).catch(() => null);
    this.#audit('counter.redeem', staff, req, { outcome: 'ok', license_item_code: record.license_item_code, by_function: byFunction });
    return this.#present(record, entry, item, req, byFunction);
  }

  #present(rec: LicenseRecord, entry: CatalogueEntry | null, item: ItemWithKeys, req: CounterRedeemRequest, byFunction: boolean): CounterRedemption {
    const now = this.#now();
    const { state, daysLeft } = licenseState(rec, now);
    const sensitive = new Set(entry?.data_items.filter((d) => d.is_sensitive).map((d) => d.key) ?? []);
    const derived: Record<string, string | null> = {
      ZZMC: rec.name,
      ZZHM: rec.id_code,
      CYRMC: rec.holder_name,
      CYRSFZJLX: rec.holder_identity_type,
      CYRSFZJHM: rec.holder_identity_num,
      FZJGMC: rec.issue_org_name,
      FZJGZZJGDM: rec.issue_org_code,
      FZRQ: rec.issue_date,
      YXQJSRQ: rec.expiry_date ?? '长期有效',
    };
    const field = (key: string, name: string, raw: string): CounterField => {
      const isSensitive = sensitive.has(key);
      const value = isSensitive && !isMasked(raw) ? maskValue(raw) : raw;
      return { key, name, value, sensitive: isSensitive, masked: isSensitive };
    };
    // PIPL art. 6: the case's service item gets only its fields; the record's top-level values must
    // not fill back in a field the upstream left out for that reason.
    const keys = serviceItemDataKeys({ data_item_keys: item.dataItemKeys }, rec.license_item_code);
    const wanted = (key: string) => keys === null || keys.includes(key);
    const fields: CounterField[] = [];
    const seen = new Set<string>();
    const items = [...(entry?.data_items ?? [])].sort((a, b) => a.index - b.index);
    for (const d of items) {
      seen.add(d.key);
      if (!d.is_show || !wanted(d.key)) continue;
      let raw = rec.data_fields[d.key] ?? derived[d.key] ?? null;
      if (raw === null || raw === '') continue;
      if (d.key === 'CYRSFZJLX') raw = identityTypeName(raw);
      fields.push(field(d.key, d.name, raw));
    }
    // Fields the catalogue (or an unreachable catalogue) does not name still show, under their key.
    for (const [k, v] of Object.entries(rec.data_fields)) if (!seen.has(k) && v !== '' && wanted(k)) fields.push(field(k, k, v));

    const warnings: CounterWarning[] = [];
    if (state === 'expired') warnings.push({ code: 'expired', message: `该证照已于 ${rec.expiry_date?.slice(0, 10)} 过期，不能作为有效证明` });
    if (state === 'expiring') warnings.push({ code: 'expiring', message: `该证照将于 ${daysLeft} 天后（${rec.expiry_date?.slice(0, 10)}）到期` });
    if (state === 'not_yet_valid') warnings.push({ code: 'not_yet_valid', message: `该证照自 ${rec.begin_date?.slice(0, 10)} 起生效，目前尚未生效` });
    if (!item.licenseItemCodes.includes(rec.license_item_code)) {
      warnings.push({ code: 'not_accepted_by_item', message: `该证照不在“${item.name}”所需的证照范围内，请核对办理事项` });
    }
    if (rec.correlative_license) warnings.push({ code: 'replaces_other', message: '该证照由一张已废止的证照变更而来，以本证照为准' });

    const idSensitive = sensitive.has('ZZHM');
    // The head of the result is consent too: no number, holder or identity document the item was not given.
    return {
      licenseCode: rec.license_code,
      licenseItemCode: rec.license_item_code,
      name: rec.name,
      idCode: !wanted('ZZHM') ? null : idSensitive ? maskValue(rec.id_code) : rec.id_code,
      holderName: wanted('CYRMC') ? rec.holder_name : null,
      holderIdentityNum: wanted('CYRSFZJHM') ? rec.holder_identity_num.split(',').map((n) => maskIdentityNumber(n.trim())).join(', ') : null,
      holderIdentityType: wanted('CYRSFZJLX') ? identityTypeName(rec.holder_identity_type) : null,
      issueOrgName: wanted('FZJGMC') ? rec.issue_org_name : null,
      issueDate: wanted('FZRQ') ? rec.issue_date : null,
      beginDate: rec.begin_date,
      expiryDate: rec.expiry_date,
      state,
      daysLeft,
      warnings,
      fields,
      serviceItemName: item.name,
      bizNum: req.bizNum,
      redeemedAt: new Date(now).toISOString(),
      byFunction,
    };
  }

  /** DB11/T 2290 6.6 archive: the signed PDF for the case record. */
  async archive(staff: HolderSession, req: CounterRedeemRequest): Promise<{ fileName: string; data: Buffer }> {
    const item = await this.#serviceItem(staff, req.serviceItemCode);
    const { authCode, byFunction } = await this.#resolve(staff, req, item);
    let result: ArchiveResult;
    try {
      const env = await this.#up.request('GET', 'license/archive', {
        query: { ...this.#redeemQuery(staff, req, authCode), file_type: 'pdf', show_sensitive_data: false },
      });
      result = readAs(ArchiveResultSchema, env.data, 'archive');
    } catch (err) {
      this.#audit('counter.archive', staff, req, { outcome: err instanceof UpstreamError ? err.code : 'error', by_function: byFunction });
      throw refusal(err);
    }
    const data = Buffer.from(result.file_data, 'base64');
    if (data.subarray(0, 5).toString('latin1') !== '%PDF-') throw new UpstreamUnavailableError('garbage', 'archive file is not a PDF');
    this.#audit('counter.archive', staff, req, { outcome: 'ok', bytes: data.length, by_function: byFunction });
    const base = (result.file_name || 'license.pdf').replace(/\.pdf$/i, '');
    return { fileName: `${req.bizNum}_${base}.pdf`, data };
  }

  /** DB11/T 2290 6.7 license/auth: the applicant's certificates the case's service item accepts. */
  async byFunction(staff: HolderSession, req: CounterByFunctionRequest): Promise<CounterByFunctionResponse> {
    const item = await this.#serviceItem(staff, req.serviceItemCode);
    const operator = await this.operator(staff).catch((err: unknown) => {
      throw refusal(err);
    });
    let result;
    try {
      result = await this.#up.auth({
        identity_number: req.identityNumber.trim().toUpperCase(),
        service_item_code: item.serviceItemCode,
        service_item_name: item.name,
        biz_num: req.bizNum,
        page_index: req.page,
        page_size: BY_FUNCTION_PAGE_SIZE,
        operator,
      });
    } catch (err) {
      this.#audit('counter.by_function', staff, req, { outcome: err instanceof UpstreamError ? err.code : 'error' });
      throw refusal(err);
    }
    const now = this.#now();
    const found = await Promise.all(result.licenses.map(async (rec, i) => {
      const code = result.authCodes[i];
      if (!code) return [];
      const { state } = licenseState(rec, now);
      return [{
        handle: await this.#remember(code, staff, req),
        licenseCode: rec.license_code,
        name: rec.name,
        holderName: rec.holder_name,
        issueOrgName: rec.issue_org_name,
        expiryDate: rec.expiry_date,
        state,
      }];
    }));
    const items = found.flat();
    this.#audit('counter.by_function', staff, req, { outcome: 'ok', found: result.totalCount });
    return { items, totalCount: result.totalCount, page: req.page, pageSize: BY_FUNCTION_PAGE_SIZE };
  }
}
