// The domain rules every room shares (src/contract): masking, certificate validity, resident ID.
import { describe, expect, it } from 'vitest';
import { certificateValidity, isUsable } from '../../src/contract/certificate-validity';
import { maskIdentityNumber, maskName, maskSensitiveValue } from '../../src/contract/masking';
import { isValidResidentId } from '../../src/contract/resident-id';

describe('maskName', () => {
  it.each([
    ['张三', '张*'],
    ['张小三', '张*三'],
    ['欧阳小明', '欧*明'],
    ['欧阳娜娜', '欧*娜'],
    ['  李四 ', '李*'],
    ['王', '*'],
    ['', ''],
  ])('masks %j as %j (one star, the length is not given away)', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });
});

describe('maskIdentityNumber', () => {
  it.each([
    ['110101199003071233', '1101**********1233'],
    ['110101900307123', '1101*******7123'],
    ['12345678', '********'],
    ['123', '***'],
  ])('masks %j as %j', (value, masked) => {
    expect(maskIdentityNumber(value)).toBe(masked);
  });
});

describe('maskSensitiveValue', () => {
  it.each([
    ['110101199003071233', '1101**********1233'],
    ['1101**********1233', '1101**********1233'],
    ['京A12345', '京******'],
    ['12345678', '********'],
    ['张三', '张*'],
    ['北京市朝阳区建国路八十八号院三号楼', '北京市朝阳区******'],
    ['', ''],
  ])('masks %j as %j', (value, masked) => {
    expect(maskSensitiveValue(value)).toBe(masked);
  });
});

describe('certificateValidity', () => {
  // 2026-03-10 12:00 in Beijing.
  const now = Date.parse('2026-03-10T04:00:00Z');
  it.each([
    ['no dates', {}, 'valid', null],
    ['long-term, begun', { begin_date: '2020-01-01', expiry_date: null }, 'valid', null],
    ['abolished outranks the dates', { license_status: 'ABOLISHED', begin_date: '2030-01-01', expiry_date: '2020-01-01' }, 'abolished', null],
    ['not yet in force', { begin_date: '2026-03-11', expiry_date: '2030-01-01' }, 'not_yet_valid', null],
    ['in force from today', { begin_date: '2026-03-10', expiry_date: '2030-01-01' }, 'valid', 1393],
    ['expired yesterday', { expiry_date: '2026-03-09' }, 'expired', null],
    ['the expiry date is still a valid day', { expiry_date: '2026-03-10' }, 'expiring', 0],
    ['30 days left is expiring', { expiry_date: '2026-04-09' }, 'expiring', 30],
    ['31 days left is valid', { expiry_date: '2026-04-10 00:00:00' }, 'valid', 31],
  ] as const)('%s', (_why, record, state, daysLeft) => {
    expect(certificateValidity(record, now)).toEqual({ state, daysLeft });
  });

  it('reads the day in Beijing, not UTC: 23:30 UTC on the 9th is already the 10th', () => {
    expect(certificateValidity({ expiry_date: '2026-03-09' }, Date.parse('2026-03-09T16:30:00Z')).state).toBe('expired');
  });

  it.each([
    ['valid', true], ['expiring', true], ['expired', false], ['abolished', false], ['not_yet_valid', false],
  ] as const)('%s is usable: %s', (state, usable) => {
    expect(isUsable(state)).toBe(usable);
  });
});

describe('isValidResidentId', () => {
  it.each([
    ['110101199003071233', true],
    ['11010519491231002X', true],
    ['11010519491231002x', true],
    [' 110101199003071233 ', true],
    ['110101199003071234', false], // wrong check character
    ['110101199002301237', false], // 30 February, whatever the check character says
    ['110101189901011232', false], // before 1900
    ['11010119900307123', false], // 17 characters
    ['11010119900307123Y', false],
    ['', false],
  ])('%j is valid: %s', (value, valid) => {
    expect(isValidResidentId(value)).toBe(valid);
  });
});
