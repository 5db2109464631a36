// The number printed on a certificate, which is how a holder tells two of them apart (issue 15).
// The service's GB/T 36902 identifier (1.2.156.3005.2.…) is for the systems that exchange the
// certificate; a record made by the standard 6.5 change carries that identifier as its id_code, and
// its printed number only on its face (不动产权证号 BDCQZH, 证书编号 ZSBH).

/** GB/T 36902 电子证照标识 (1.2.156.3005.2.…). */
export function isServiceIdentifier(value: string | null | undefined): boolean {
  return /^1\.2\.156\.\d/.test((value ?? '').trim());
}

/** Face fields that hold a document's printed number, in the order they are trusted. */
export const DOCUMENT_NUMBER_KEYS = ['ZZHM', 'BDCQZH', 'ZSBH'] as const;

/** The record's own number when it is one, else the first printed number on its face, else the id_code as it is. */
export function printedNumber(idCode: string, fields: Record<string, string | undefined>): string {
  if (!isServiceIdentifier(idCode)) return idCode;
  for (const key of DOCUMENT_NUMBER_KEYS) {
    const v = fields[key]?.trim();
    if (v && !isServiceIdentifier(v)) return v;
  }
  return idCode;
}
