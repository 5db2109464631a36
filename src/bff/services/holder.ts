// The holder's wallet: license/webpage records turned into cards and detail pages, with the
// catalogue's field order, names and sensitivity (DB11/T 2290 6.3, 6.6), and the directory of
// service items (事项) a certificate can be authorised for.
import { printedNumber } from '../../contract/document-number.ts';
import { isIssuerWork } from './holder-items.ts';
import type { FastifyBaseLogger } from 'fastify';
import type {
  LicenseCard,
  LicenseDetail,
  LicenseField,
  LicenseListResponse,
  LicenseState,
  RevealResponse,
  ServiceItemListResponse,
  ServiceItemOption,
} from '../../contract/bff.ts';
import { HOLDER_IDENTITY_TYPES, serviceItemDataKeys, type CatalogueEntry, type LicenseRecord } from '../../contract/upstream.ts';
import type { Config } from '../config.ts';
import { ApiError, notFound } from '../errors.ts';
import { certificateValidity, isUsable } from '../../contract/certificate-validity.ts';
import { maskName, maskSensitiveValue } from '../../contract/masking.ts';
import type { UpstreamCapabilities } from '../upstream/capabilities.ts';
import type { UpstreamClient } from '../upstream/client.ts';
import { UpstreamError, upstreamErrorToApiError } from '../upstream/errors.ts';

const CATALOGUE_TTL_MS = 10 * 60_000;
const DIRECTORY_TTL_MS = 5 * 60_000;

// One collator: localeCompare with a locale builds a new one per comparison (~120 µs per wallet sort, 5 µs so).
const BY_PINYIN = new Intl.Collator('zh-CN');

/** Upstream refusals become answers the page can show; transport faults are ApiErrors already. */
export async function viaUpstream<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof UpstreamError) throw upstreamErrorToApiError(err);
    throw err;
  }
}

/** The upstream's `YYYY-MM-DD HH:mm:ss` (Beijing time) as an ISO instant. */
export function upstreamTimeToIso(text: string): string {
  const ms = upstreamTimeToMs(text);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString();
}

export function upstreamTimeToMs(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})/.exec(text);
  return m ? Date.parse(`${m[1]}T${m[2]}+08:00`) : Date.parse(text);
}

/** The shared validity rule, over the fields of a record the holder's pages read. */
export function licenseState(record: Pick<LicenseRecord, 'license_status' | 'begin_date' | 'expiry_date'>, now: number): { state: LicenseState; daysLeft: number | null } {
  return certificateValidity(record, now);
}

/** Why a certificate cannot be authorised, in the words the page shows. */
export function unusableReason(state: LicenseState): string | null {
  if (state === 'abolished') return '该证照已废止，不能授权使用';
  if (state === 'expired') return '该证照已过期，不能授权使用';
  if (state === 'not_yet_valid') return '该证照尚未生效，不能授权使用';
  return null;
}

/** The number field of a certificate, whose sensitivity decides how the card shows id_code. */
const NUMBER_FIELD = 'ZZHM';

function displayValue(key: string, value: string): string {
  // The ID type is stored as its code (111); show its name.
  if (key === 'CYRSFZJLX') return HOLDER_IDENTITY_TYPES[value as keyof typeof HOLDER_IDENTITY_TYPES] ?? value;
  return value;
}

/** Face fields the catalogue shows, in its order; without a catalogue entry, the record's own keys. */
export function faceItems(entry: CatalogueEntry | null, record: LicenseRecord): Array<{ key: string; name: string; sensitive: boolean }> {
  if (!entry) return Object.keys(record.data_fields).map((key) => ({ key, name: key, sensitive: /SFZJHM$/.test(key) }));
  return [...entry.data_items]
    .filter((d) => d.is_show)
    .sort((a, b) => a.index - b.index)
    .map((d) => ({ key: d.key, name: d.name, sensitive: d.is_sensitive }));
}

export interface DirectoryItem {
  serviceItemCode: string;
  name: string;
  orgName: string;
  orgCode: string;
  licenseItemCodes: string[];
  /** Upstream extension: the face-field keys the item receives per catalogue entry. */
  dataItemKeys?: Record<string, string[]>;
}

/**
 * PIPL art. 6: the face fields `item` receives from this certificate, the ones the consent screen
 * lists and the sensitive-consent check counts. All shown fields when the upstream names none.
 */
export function fieldsForItem(item: DirectoryItem, entry: CatalogueEntry | null, record: LicenseRecord): ReturnType<typeof faceItems> {
  const all = faceItems(entry, record);
  const keys = serviceItemDataKeys({ data_item_keys: item.dataItemKeys }, record.license_item_code);
  if (!keys) return all;
  const wanted = new Set(keys);
  return all.filter((f) => wanted.has(f.key));
}

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

export interface HolderServiceDeps {
  upstream: UpstreamClient;
  /** The counter's access system: its organisation is one the directory lists items for. */
  counterUpstream?: UpstreamClient;
  /** Without the revoke extension a code cannot be cut short, so no shorter validity is offered. */
  capabilities?: UpstreamCapabilities;
  config: Config;
  log: FastifyBaseLogger;
  now?: () => number;
}

export class HolderService {
  readonly #deps: HolderServiceDeps;
  readonly #catalogue = new Map<string, Cached<CatalogueEntry | null>>();
  #directory: Cached<DirectoryItem[]> | null = null;
  readonly now: () => number;

  constructor(deps: HolderServiceDeps) {
    this.#deps = deps;
    this.now = deps.now ?? Date.now;
  }

  // ---- reference data ----

  /** A catalogue entry, cached; null when the upstream does not know the item. */
  catalogue(licenseItemCode: string): Promise<CatalogueEntry | null> {
    const hit = this.#catalogue.get(licenseItemCode);
    if (hit && this.now() - hit.at < CATALOGUE_TTL_MS) return viaUpstream(hit.value);
    const value = this.#deps.upstream.catalogEntry(licenseItemCode).catch((err: unknown) => {
      if (err instanceof UpstreamError && err.code === 'NOT_FOUND') return null;
      this.#catalogue.delete(licenseItemCode);
      throw err;
    });
    this.#catalogue.set(licenseItemCode, { at: this.now(), value });
    return viaUpstream(value);
  }

  /**
   * Every service item the upstream lists, with its organisation. service_item/list is per
   * organisation and the spec has no list of organisations, so the directory asks for the ones the
   * upstream names: our own access systems' organisations (get_current_user) and the catalogue's
   * administering organisations. Items of any other organisation are not offered.
   */
  serviceDirectory(): Promise<DirectoryItem[]> {
    const hit = this.#directory;
    if (hit && this.now() - hit.at < DIRECTORY_TTL_MS) return viaUpstream(hit.value);
    const value = this.#loadDirectory().catch((err: unknown) => {
      this.#directory = null;
      throw err;
    });
    this.#directory = { at: this.now(), value };
    return viaUpstream(value);
  }

  async #loadDirectory(): Promise<DirectoryItem[]> {
    const orgs = new Map<string, string>();
    for (const client of [this.#deps.counterUpstream, this.#deps.upstream]) {
      if (!client) continue;
      const me = await client.currentUser();
      if (me.service_org?.org_code) orgs.set(me.service_org.org_code, me.service_org.name);
    }
    for (let page = 1; page <= 50; page++) {
      const { entries, totalCount } = await this.#deps.upstream.catalogList({ pageIndex: page, pageSize: 100 });
      for (const e of entries) {
        if (e.admin_org_code && !orgs.has(e.admin_org_code)) orgs.set(e.admin_org_code, e.admin_org);
        if (!this.#catalogue.has(e.license_item_code)) this.#catalogue.set(e.license_item_code, { at: this.now(), value: Promise.resolve(e) });
      }
      if (entries.length === 0 || page * 100 >= totalCount) break;
    }
    const items = new Map<string, DirectoryItem>();
    for (const [orgCode, orgName] of orgs) {
      let list;
      try {
        list = await this.#deps.upstream.serviceItems(orgCode);
      } catch (err) {
        if (err instanceof UpstreamError) continue;
        throw err;
      }
      for (const s of list) {
        if (!items.has(s.service_item_code)) {
          items.set(s.service_item_code, {
            serviceItemCode: s.service_item_code, name: s.name, orgName, orgCode, licenseItemCodes: s.license_item_codes ?? [],
            ...(s.data_item_keys ? { dataItemKeys: s.data_item_keys } : {}),
          });
        }
      }
    }
    return [...items.values()];
  }

  /**
   * The bounds the holder may choose a validity within. The upper bound is also capped by the life
   * of an upstream holder code (spec 6.6, HOLDER_CODE_TTL_SECONDS): a longer choice could not be kept.
   */
  validityBounds(): ServiceItemListResponse['validity'] {
    const life = this.upstreamCodeSeconds();
    if (this.#deps.capabilities && !this.#deps.capabilities.has('revoke')) return { minSeconds: life, maxSeconds: life, defaultSeconds: life };
    const { minSeconds, maxSeconds, defaultSeconds } = this.#deps.config.authorisation;
    const max = Math.max(minSeconds, Math.min(maxSeconds, this.upstreamCodeSeconds()));
    return { minSeconds, maxSeconds: max, defaultSeconds: Math.min(Math.max(defaultSeconds, minSeconds), max) };
  }

  /** How long an upstream holder code lives ([our decision] 300 s unless configured). */
  upstreamCodeSeconds(): number {
    return this.#deps.config.upstream.holderCodeTtlSeconds;
  }

  // ---- the holder's own certificates ----

  /** license/webpage: issued and abolished certificates of the signed-in holder. */
  async records(credential: string): Promise<LicenseRecord[]> {
    const all = await viaUpstream(this.#deps.upstream.webpage(credential));
    return all.filter((r) => r.license_status === 'ISSUED' || r.license_status === 'ABOLISHED');
  }

  /** One of the holder's own certificates; anything else is 404 so codes cannot be probed. */
  async ownRecord(credential: string, licenseCode: string): Promise<{ record: LicenseRecord; all: LicenseRecord[] }> {
    const all = await this.records(credential);
    const record = all.find((r) => r.license_code === licenseCode);
    if (!record) throw notFound('证照');
    return { record, all };
  }

  async wallet(credential: string): Promise<LicenseListResponse> {
    const records = await this.records(credential);
    const entries = await this.#entriesFor(records);
    const now = this.now();
    const cards = records.map((r) => this.card(r, entries.get(r.license_item_code) ?? null, now));
    const rank = (c: LicenseCard) => (isUsable(c.state) ? 0 : 1);
    cards.sort((a, b) => rank(a) - rank(b) || BY_PINYIN.compare(a.name, b.name) || a.licenseCode.localeCompare(b.licenseCode));
    return { licenses: cards };
  }

  async detail(credential: string, licenseCode: string): Promise<LicenseDetail> {
    const { record, all } = await this.ownRecord(credential, licenseCode);
    const entry = await this.catalogue(record.license_item_code);
    return { ...this.detailOf(record, entry), replacedBy: replacedBy(record, all) };
  }

  async reveal(credential: string, licenseCode: string): Promise<RevealResponse> {
    const { record } = await this.ownRecord(credential, licenseCode);
    const entry = await this.catalogue(record.license_item_code);
    const fields = faceItems(entry, record)
      .filter((f) => f.sensitive && (record.data_fields[f.key] ?? '') !== '')
      .map((f) => ({ key: f.key, value: displayValue(f.key, record.data_fields[f.key] ?? '') }));
    return { fields };
  }

  /** Service items that accept this certificate, with what each would receive. */
  async serviceItemsFor(credential: string, licenseCode: string): Promise<ServiceItemListResponse> {
    await this.#deps.capabilities?.ready();
    const { record } = await this.ownRecord(credential, licenseCode);
    const [entry, offered] = await Promise.all([this.catalogue(record.license_item_code), this.offeredItemsFor(record.license_item_code)]);
    const serviceItems: ServiceItemOption[] = offered
      .map((s) => ({ serviceItemCode: s.serviceItemCode, name: s.name, orgName: s.orgName, orgCode: s.orgCode, fields: fieldsForItem(s, entry, record) }));
    return { serviceItems, validity: this.validityBounds() };
  }

  /**
   * The service items a holder may authorise a certificate of this kind for: those that accept it,
   * less the issuer's own work items (电子证照制发), which are not uses a holder consents to.
   */
  async offeredItemsFor(licenseItemCode: string): Promise<DirectoryItem[]> {
    const accepting = (await this.serviceDirectory()).filter((s) => s.licenseItemCodes.includes(licenseItemCode));
    const admins = new Map<string, string | null>();
    await Promise.all([...new Set(accepting.flatMap((s) => s.licenseItemCodes))].map(async (code) => {
      admins.set(code, (await this.catalogue(code).catch(() => null))?.admin_org_code ?? null);
    }));
    return accepting.filter((s) => !isIssuerWork(s, (code) => admins.get(code)));
  }

  /** The first service item that accepts this certificate (license/holder needs one). */
  async anyServiceItemFor(licenseItemCode: string): Promise<DirectoryItem | null> {
    return (await this.serviceDirectory()).find((s) => s.licenseItemCodes.includes(licenseItemCode)) ?? null;
  }

  // ---- mapping ----

  card(record: LicenseRecord, entry: CatalogueEntry | null, now = this.now()): LicenseCard {
    const { state, daysLeft } = licenseState(record, now);
    const numberSensitive = entry?.data_items.some((d) => d.key === NUMBER_FIELD && d.is_sensitive) ?? false;
    return {
      licenseCode: record.license_code,
      licenseItemCode: record.license_item_code,
      name: record.name,
      licenseType: record.license_type,
      issueOrgName: record.issue_org_name,
      // The number printed on the document, even where the record's id_code is the service's identifier (a 6.5 change).
      idCode: numberSensitive ? maskSensitiveValue(printedNumber(record.id_code, record.data_fields)) : printedNumber(record.id_code, record.data_fields),
      beginDate: record.begin_date,
      expiryDate: record.expiry_date,
      state,
      daysLeft,
    };
  }

  /** Everything of the detail page but replacedBy, which needs the holder's other certificates. */
  detailOf(record: LicenseRecord, entry: CatalogueEntry | null): Omit<LicenseDetail, 'replacedBy'> {
    const fields: LicenseField[] = faceItems(entry, record).map((f) => {
      const raw = record.data_fields[f.key] ?? '';
      const masked = f.sensitive && raw !== '';
      return { key: f.key, name: f.name, sensitive: f.sensitive, masked, value: masked ? maskSensitiveValue(raw) : displayValue(f.key, raw) };
    });
    return {
      ...this.card(record, entry),
      holderMaskedName: record.holder_name.split(',').map((n) => maskName(n)).join('、'),
      issueOrgCode: record.issue_org_code,
      issueDate: record.issue_date,
      division: record.division,
      fields,
      abolishReason: record.license_status === 'ABOLISHED' ? (record.abolish_reason ?? null) : null,
    };
  }

  async #entriesFor(records: LicenseRecord[]): Promise<Map<string, CatalogueEntry | null>> {
    const codes = [...new Set(records.map((r) => r.license_item_code))];
    const entries = await Promise.all(codes.map((c) => this.catalogue(c)));
    return new Map(codes.map((c, i) => [c, entries[i] ?? null]));
  }
}

/** DB11/T 2290 6.5 change: the new certificate and the abolished one name each other in correlative_license. */
function replacedBy(record: LicenseRecord, all: LicenseRecord[]): string | null {
  if (record.license_status !== 'ABOLISHED') return null;
  const successor = all.find((r) => r.license_code !== record.license_code && r.correlative_license === record.license_code && r.license_status !== 'ABOLISHED');
  if (successor) return successor.license_code;
  const named = record.correlative_license ? all.find((r) => r.license_code === record.correlative_license) : undefined;
  return named && named.license_status !== 'ABOLISHED' ? named.license_code : null;
}

export const certificateNotUsable = (reason: string): ApiError => new ApiError(409, 'CERTIFICATE_NOT_USABLE', reason);
