import { describe, expect, it } from 'vitest';
import { homeOf, loginUrl, safeReturnTo } from '../../src/web/composables/return-to';

describe('safeReturnTo', () => {
  it.each([
    ['/history', '/history'],
    ['/licenses/LC1?x=1#top', '/licenses/LC1?x=1#top'],
    [['/history', '/other'], '/history'],
    ['//evil.example/x', '/'],
    ['https://evil.example/', '/'],
    ['/\\evil.example', '/'],
    ['javascript:alert(1)', '/'],
    ['/a\nb', '/'],
    ['/login?return_to=/x', '/'],
    ['/auth/logout', '/'],
    [undefined, '/'],
    [42, '/'],
  ])('%j -> %s', (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });
});

describe('loginUrl and homeOf', () => {
  it('encodes the page to come back to', () => {
    expect(loginUrl('/history?licenseCode=A&b=1')).toBe('/auth/login?return_to=%2Fhistory%3FlicenseCode%3DA%26b%3D1');
  });
  it.each([['counter_staff', '/counter'], ['citizen', '/'], [null, '/']])('%s starts at %s', (role, home) => {
    expect(homeOf(role)).toBe(home);
  });
});
