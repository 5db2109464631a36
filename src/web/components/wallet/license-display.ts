// What of a certificate the holder reads, and in what order: pure, so it is tested with tables.
// Cards and the detail page lead with the number printed on the document; codes meant for
// machines (the service's 1.2.156… identifier, the issuer's organisation and division codes) stay
// out of sight; the page's head already says name, number, holder, issuer and dates, so the
// field list does not say them twice.
import type { LicenseCard, LicenseDetail, LicenseField } from '@contract/bff';
import { isServiceIdentifier } from '@contract/document-number';

export { isServiceIdentifier };

/** Face fields the head of the detail page states (名称, 号码, 持有人, 发证机构, 发证日期, 有效期). */
const HEAD_KEYS = new Set(['ZZMC', 'ZZHM', 'CYRMC', 'FZJGMC', 'FZRQ', 'YXQJSRQ']);
/** The issuer's codes: 统一社会信用代码 and 行政区划代码 of the issuing body. */
const MACHINE_KEYS = new Set(['FZJGZZJGDM', 'FZJGSSXZQHDM']);
const MACHINE_NAME = /行政区划代码|^发证机[构关].*代码$/;
/** Numbers printed on particular documents, for when ZZHM is the service's identifier. */
const DOCUMENT_NUMBER_KEYS = ['BDCQZH', 'ZSBH'];
const DOCUMENT_NUMBER_NAME = /(证号|证书编号|证明编号)$/;

export interface ShownNumber {
  value: string;
  masked: boolean;
}

/** The number a card leads with: the certificate's own, or none when only the identifier is known. */
export function cardNumber(card: Pick<LicenseCard, 'idCode'>): string | null {
  return card.idCode && !isServiceIdentifier(card.idCode) ? card.idCode : null;
}

const field = (fields: LicenseField[], key: string) => fields.find((f) => f.key === key && f.value && !isServiceIdentifier(f.value));

/** The detail page's number: the face's 证照号码, else a document number field, else the record's. */
export function detailNumber(d: Pick<LicenseDetail, 'idCode' | 'fields'>): ShownNumber | null {
  const own = field(d.fields, 'ZZHM')
    ?? DOCUMENT_NUMBER_KEYS.map((k) => field(d.fields, k)).find(Boolean)
    ?? d.fields.find((f) => DOCUMENT_NUMBER_NAME.test(f.name) && f.value && !isServiceIdentifier(f.value));
  if (own) return { value: own.value, masked: own.masked };
  const number = cardNumber(d);
  return number ? { value: number, masked: false } : null;
}

/** The face fields listed under the head: nothing it already says, no codes for machines. */
export function listedFields(d: Pick<LicenseDetail, 'fields'>, number: ShownNumber | null): LicenseField[] {
  return d.fields.filter((f) => {
    if (HEAD_KEYS.has(f.key) || MACHINE_KEYS.has(f.key) || MACHINE_NAME.test(f.name)) return false;
    if (isServiceIdentifier(f.value)) return false;
    // The number shown in the head (e.g. 不动产权证号 standing in for the identifier).
    return !(number && f.value === number.value && DOCUMENT_NUMBER_KEYS.includes(f.key));
  });
}

const faceValue = (d: Pick<LicenseDetail, 'fields'>, key: string) => d.fields.find((f) => f.key === key && f.value)?.value ?? null;

/**
 * The holder's own data masked everywhere until the one reveal (docs/decisions.md): the BFF masks
 * the sensitive fields; the holder's name, wherever the face prints it (持有人, 户主姓名 …), is
 * masked here the way the head and every other page mask it.
 */
export function maskedForHolder(d: Pick<LicenseDetail, 'fields' | 'holderMaskedName'>, revealed: boolean): LicenseField[] {
  const name = faceValue(d, 'CYRMC');
  if (revealed || !name || name === d.holderMaskedName) return d.fields;
  return d.fields.map((f) => (f.value === name ? { ...f, value: d.holderMaskedName, masked: true } : f));
}

/**
 * The head's facts from the face where it has them, so the page states one of each: the issue
 * date (发证日期) printed on the certificate, else the record's; the issuing body likewise; the
 * holder's name masked until revealed.
 */
export function headFacts(d: Pick<LicenseDetail, 'fields' | 'issueDate' | 'issueOrgName' | 'holderMaskedName'>, revealed: boolean): {
  issueDate: string | null;
  issuer: string;
  holder: string;
} {
  return {
    issueDate: faceValue(d, 'FZRQ') ?? d.issueDate,
    issuer: faceValue(d, 'FZJGMC') ?? d.issueOrgName,
    holder: (revealed ? faceValue(d, 'CYRMC') : null) ?? d.holderMaskedName,
  };
}
