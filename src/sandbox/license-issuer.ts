// The sandbox license service's issuer side (DB11/T 2290 6.4 production, 6.5 publication).
import type { AbolishLicenseData, BatchIssueItemResult, CatalogueEntry, ChangeLicenseData, CreateAttachmentData, CreateLicenseData, LicenseRecord, Operator, SignLicenseData, UpdateLicenseData } from '../contract/upstream.ts';
import { ApiError, formatDate, formatTimestamp } from './wire.ts';
import { buildIdCode } from './id-code.ts';

import { LicenseStore } from './license-store.ts';
import { type AccessSystem, LONG_CODE_TTL_MS, MAX_BATCH, newLicenseCode, canonicalJson, signedContent, normaliseIdentityType, wrongState } from './license-records.ts';

export abstract class LicenseIssuer extends LicenseStore {
  // -------------------------------------------------------------------------------------------
  // 6.4 / 6.5 Production and publication
  // -------------------------------------------------------------------------------------------
  protected createInTx(s: AccessSystem, entry: CatalogueEntry, d: Omit<CreateLicenseData, 'operator'>, operator: Operator): { rec: LicenseRecord; auth_code: string } {
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

  protected signInTx(entry: CatalogueEntry, rec: LicenseRecord, operator: Operator): void {
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
}
