import { describe, expect, it } from 'vitest';
import { COUNTER_CODE_LENGTH, dammCheckDigit, groupCounterCode, hasValidCheckDigit, readTypedCode, withCheckDigit } from '../../src/contract/counter-code.ts';

describe('Damm check digit', () => {
  it.each([
    ['572', '4'], // Damm's worked example
    ['', '0'],
    ['0000000000000000', '0'],
    ['1234567890123456', dammCheckDigit('1234567890123456')],
  ])('%s -> %s', (digits, check) => {
    expect(dammCheckDigit(digits)).toBe(check);
    expect(hasValidCheckDigit(digits + check)).toBe(digits.length >= 1);
  });

  const base = withCheckDigit('8273645501928374');
  it('catches every single wrong digit', () => {
    for (let i = 0; i < base.length; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === base[i]) continue;
        expect(hasValidCheckDigit(base.slice(0, i) + d + base.slice(i + 1)), `${i}:${d}`).toBe(false);
      }
    }
  });

  it('catches every swap of two different neighbours', () => {
    for (let i = 0; i + 1 < base.length; i++) {
      if (base[i] === base[i + 1]) continue;
      const swapped = base.slice(0, i) + base[i + 1] + base[i] + base.slice(i + 2);
      expect(hasValidCheckDigit(swapped), `swap at ${i}`).toBe(false);
    }
  });
});

describe('grouping and reading what a clerk typed', () => {
  const code = withCheckDigit('1234567890123456');
  it('groups in fours, the check digit with the last group', () => {
    expect(code).toHaveLength(COUNTER_CODE_LENGTH);
    expect(groupCounterCode(code)).toBe(`1234 5678 9012 3456${code.at(-1)}`);
  });

  it.each([
    [groupCounterCode(code), { kind: 'counter', code }],
    [` ${code.slice(0, 4)}-${code.slice(4, 8)}–${code.slice(8)} `, { kind: 'counter', code }],
    [code.slice(0, -1) + String((Number(code.at(-1)) + 1) % 10), { kind: 'bad-check-digit' }],
    ['v2pi Ivir dx-0 HklZ AvOf Cg', { kind: 'usage', code: 'v2piIvirdx-0HklZAvOfCg' }],
    ['12345', { kind: 'unknown' }],
    ['not a code!', { kind: 'unknown' }],
  ])('%j', (typed, read) => {
    expect(readTypedCode(typed)).toEqual(read);
  });
});
