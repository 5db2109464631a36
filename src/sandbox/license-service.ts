// The rules of license-app/v1 section 6 over SQLite, free of HTTP. Every public method either
// returns the response data or throws ApiError with the spec's code. Split along the spec: the
// store and session (license-store.ts), the issuer's 6.4/6.5 (license-issuer.ts), and here the
// holder's 6.6, by function 6.7 and replay protection 5.4.
import type { AuthCodeEvent, AuthCodeUse, CatalogueEntry, DataFields, LicenseRecord, LicenseRecordWire, Operator, RedemptionInterface } from '../contract/upstream.ts';
import { ApiError, formatTimestamp, maskValue } from './wire.ts';

import { LicenseIssuer } from './license-issuer.ts';
import { type AccessSystem, type CredentialIdentity, LONG_CODE_TTL_MS, newSecretToken, type EventBody, type AuthCodeRow, type RedemptionContext } from './license-records.ts';

export class LicenseService extends LicenseIssuer {
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

