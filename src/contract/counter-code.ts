// The counter code (柜台数字码, issue 15): the usage code in a form a person can read aloud and
// type, 16 random digits and a Damm check digit, shown in groups. Pure rules shared by the BFF and
// the page; the length is argued in docs/decisions.md ("A code people can read").

/** Random digits before the check digit. */
export const COUNTER_CODE_RANDOM_DIGITS = 16;
export const COUNTER_CODE_LENGTH = COUNTER_CODE_RANDOM_DIGITS + 1;

// Damm's totally anti-symmetric quasigroup of order 10: the check digit catches every single wrong
// digit and every swap of two neighbours, the two mistakes people make reading digits aloud.
const DAMM = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
  [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
  [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
  [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
] as const;

function dammInterim(digits: string): number {
  let interim = 0;
  for (const ch of digits) interim = DAMM[interim]?.[Number(ch)] ?? 0;
  return interim;
}

/** The Damm check digit of a string of digits. */
export function dammCheckDigit(digits: string): string {
  if (!/^\d*$/.test(digits)) throw new Error('digits only');
  return String(dammInterim(digits));
}

/** A full counter code: digits with their check digit appended. */
export function withCheckDigit(digits: string): string {
  return digits + dammCheckDigit(digits);
}

/** Whether the last digit is the Damm check digit of the others. */
export function hasValidCheckDigit(code: string): boolean {
  return /^\d{2,}$/.test(code) && dammInterim(code) === 0;
}

/** Grouped for reading aloud: fours, the last group taking the check digit (1234 5678 9012 34567). */
export function groupCounterCode(code: string): string {
  const groups: string[] = [];
  for (let i = 0; i < code.length; i += 4) groups.push(code.slice(i, i + 4));
  const last = groups.at(-1);
  if (groups.length > 1 && last && last.length === 1) groups.splice(-2, 2, (groups.at(-2) ?? '') + last);
  return groups.join(' ');
}

export type TypedCode =
  | { kind: 'counter'; code: string }
  | { kind: 'bad-check-digit' }
  | { kind: 'usage'; code: string }
  | { kind: 'unknown' };

/**
 * What a clerk typed: the counter code with any spaces, dashes or dots between digits, or the full
 * usage code as the holder's screen groups it (spaces are not in its alphabet and are dropped).
 */
export function readTypedCode(text: string): TypedCode {
  const compact = text.trim();
  const digits = compact.replace(/[\s\-–—.·]/g, '');
  if (/^\d+$/.test(digits) && digits.length === COUNTER_CODE_LENGTH) {
    return hasValidCheckDigit(digits) ? { kind: 'counter', code: digits } : { kind: 'bad-check-digit' };
  }
  const bare = compact.replace(/\s+/g, '');
  if (/^[A-Za-z0-9_-]{16,128}$/.test(bare) && !/^\d+$/.test(bare)) return { kind: 'usage', code: bare };
  return { kind: 'unknown' };
}
