import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  durationParts,
  formatCountdown,
  groupCode,
  interfaceKey,
  isAnnouncementPoint,
  newIdempotencyKey,
  validityChoices,
} from '../../src/web/components/usage/usage-format';

describe('the usage page helpers', () => {
  it.each([
    [305, '05:05'],
    [60, '01:00'],
    [59, '00:59'],
    [0, '00:00'],
    [-3, '00:00'],
    [3605, '1:00:05'],
    [9.7, '00:09'],
  ])('shows %s seconds as %s', (s, shown) => {
    expect(formatCountdown(s)).toBe(shown);
  });

  it.each([
    [300, true],
    [240, true],
    [60, true],
    [59, false],
    [31, false],
    [30, true],
    [10, true],
    [9, false],
    [1, false],
    [0, false],
  ])('speaks the remaining time at %s s: %s', (s, spoken) => {
    expect(isAnnouncementPoint(s)).toBe(spoken);
  });

  it.each([
    ['K7QM2XPA9RTD', 'K7QM 2XPA 9RTD'],
    ['K7QM2XPA9R', 'K7QM 2XPA 9R'],
    ['K7 QM', 'K7QM'],
    ['', ''],
  ])('groups %j for reading aloud as %j', (code, grouped) => {
    expect(groupCode(code)).toBe(grouped);
  });

  it.each([
    [{ minSeconds: 60, maxSeconds: 1800, defaultSeconds: 300 }, [180, 300, 600, 900]],
    [{ minSeconds: 60, maxSeconds: 600, defaultSeconds: 300 }, [60, 180, 300, 600]],
    [{ minSeconds: 120, maxSeconds: 240, defaultSeconds: 200 }, [180, 200]],
    [{ minSeconds: 100, maxSeconds: 110, defaultSeconds: 105 }, [105]],
  ])('offers validity choices within %j: %j', (bounds, choices) => {
    const got = validityChoices(bounds);
    expect(got).toEqual(choices);
    expect(got).toContain(bounds.defaultSeconds);
  });

  it.each([
    [300, { unit: 'minutes', n: 5 }],
    [90, { unit: 'minutes', n: 1.5 }],
    [7200, { unit: 'hours', n: 2 }],
    [5400, { unit: 'minutes', n: 90 }],
  ])('says %s seconds as %j', (s, parts) => {
    expect(durationParts(s)).toEqual(parts);
  });

  it.each([
    ['get_license', false, 'history.interface.data'],
    ['archive', false, 'history.interface.file'],
    ['token', false, 'history.interface.view'],
    ['auth', false, 'history.interface.byFunction'],
    ['get_license', true, 'history.interface.byFunction'],
  ] as const)('labels a use through %s (by function: %s) as %s', (iface, byFunction, key) => {
    expect(interfaceKey(iface, byFunction)).toBe(key);
  });

  afterEach(() => vi.unstubAllGlobals());

  // Plain-http LAN testing has no secure context, so no crypto.randomUUID: both ways must give v4 keys.
  it.each([
    ['with crypto.randomUUID', false],
    ['without it (no secure context)', true],
  ])('makes a different v4 key each time, %s', (_how, insecure) => {
    if (insecure) {
      const { getRandomValues } = globalThis.crypto;
      vi.stubGlobal('crypto', { getRandomValues: getRandomValues.bind(globalThis.crypto) });
      expect(typeof crypto.randomUUID).toBe('undefined');
    }
    const keys = new Set(Array.from({ length: 50 }, newIdempotencyKey));
    expect(keys.size).toBe(50);
    for (const k of keys) expect(k).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
