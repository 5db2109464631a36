import { describe, expect, it } from 'vitest';
import { loginErrorKind } from '../../src/web/composables/login-error';

describe('why a sign-in failed, from /login?error=', () => {
  it.each([
    ['cancelled', 'cancelled'],
    ['access_denied', 'cancelled'],
    ['expired', 'expired'],
    ['claims', 'claims'],
    ['provider', 'provider'],
    ['server_error', 'provider'],
    ['state', 'state'],
    ['state_mismatch', 'state'],
    ['something_new', 'generic'],
    ['__proto__', 'generic'],
    [['expired', 'state'], 'expired'],
    ['', null],
    [undefined, null],
    [null, null],
  ])('%j reads as %s', (code, kind) => {
    expect(loginErrorKind(code)).toBe(kind);
  });
});
