// Certificate identifier in the GB/T 36902 style the spec gives:
// `1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>`, where the check character
// is ISO/IEC 7064 MOD 37,36 over the other characters with the dots removed.

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** ISO/IEC 7064 MOD 37,36 (hybrid system, M = 36): the check character for `input` (0-9, A-Z). */
export function mod3736CheckChar(input: string): string {
  const m = 36;
  let p = m;
  for (const ch of input.toUpperCase()) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new Error(`character outside 0-9A-Z: ${ch}`);
    let s = (p % (m + 1)) + v;
    s = s % m;
    if (s === 0) s = m;
    p = (s * 2) % (m + 1);
  }
  const check = (m + 1 - p) % m;
  return ALPHABET[check] as string;
}

/** True when the last character is the MOD 37,36 check over the rest (dots ignored). */
export function isValidIdCode(idCode: string): boolean {
  const plain = idCode.replace(/\./g, '').toUpperCase();
  if (plain.length < 2 || !/^[0-9A-Z]+$/.test(plain)) return false;
  return mod3736CheckChar(plain.slice(0, -1)) === plain.slice(-1);
}

export function buildIdCode(parts: { typeCode: string; issuerCode: string; serial: string; version?: string }): string {
  const body = ['1.2.156.3005.2', parts.typeCode, parts.issuerCode, parts.serial, parts.version ?? '001'].join('.');
  return `${body}.${mod3736CheckChar(body.replace(/\./g, ''))}`;
}
