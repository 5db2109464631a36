import { describe, expect, it } from 'vitest';
import { identityFromClaims, pickCredential } from '../../src/bff/identity/claims.ts';
import { parseLogoutRequest, parseServiceResponse } from '../../src/bff/identity/cas-response.ts';
import { DEFAULT_CLAIMS } from '../../src/bff/identity/settings.ts';
import { LoginFailedError } from '../../src/bff/identity/types.ts';

// The pure parts of sign-in: the platform's answer to an identity by the configured field names,
// the credential to send upstream, and the CAS wire formats.

const PLATFORM = { userId: 'zhangsan', userName: '张三', certType: '111', certNo: '110101199003071233', mobile: '13800000001', userRole: 'citizen' };

function refusedClaim(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LoginFailedError);
    expect((err as LoginFailedError).code).toBe('claims');
    return (err as LoginFailedError).detail;
  }
  throw new Error('no refusal');
}

describe('identityFromClaims', () => {
  it('maps a platform answer by the oauth2 defaults', () => {
    expect(identityFromClaims(PLATFORM, DEFAULT_CLAIMS.oauth2, ['counter_staff'])).toEqual({
      sub: 'zhangsan', name: '张三', identityType: '111', identityNum: '110101199003071233', role: 'citizen',
    });
  });

  it.each([
    ['userId', 'userId'],
    ['userName', 'userName'],
    ['certType', 'certType'],
    ['certNo', 'certNo'],
  ])('refuses an answer without %s and names it', (field, named) => {
    const { [field as keyof typeof PLATFORM]: _gone, ...rest } = PLATFORM;
    expect(refusedClaim(() => identityFromClaims(rest, DEFAULT_CLAIMS.oauth2, []))).toBe(named);
  });

  it.each([
    ['blank', { ...PLATFORM, certNo: '   ' }],
    ['an object', { ...PLATFORM, certNo: { value: 'x' } }],
    ['an empty list', { ...PLATFORM, certNo: [] }],
  ])('treats a %s mandatory field as missing', (_what, answer) => {
    expect(refusedClaim(() => identityFromClaims(answer, DEFAULT_CLAIMS.oauth2, []))).toBe('certNo');
  });

  it.each([
    ['counter_staff', ['counter_staff'], 'counter_staff'],
    ['WINDOW_CLERK', ['WINDOW_CLERK', 'counter_staff'], 'counter_staff'],
    ['admin', ['counter_staff'], 'citizen'],
    [undefined, ['counter_staff'], 'citizen'],
  ])('role %j with staff roles %j is %s', (role, staffRoles, expected) => {
    expect(identityFromClaims({ ...PLATFORM, userRole: role }, DEFAULT_CLAIMS.oauth2, staffRoles).role).toBe(expected);
  });

  it('reads CAS attributes that arrive as lists and numbers', () => {
    const id = identityFromClaims({ user: 'u1', userName: ['张三'], certType: 111, certNo: ['110101199003071233'], orgName: '东城' }, DEFAULT_CLAIMS.cas, []);
    expect(id).toMatchObject({ sub: 'u1', name: '张三', identityType: '111', identityNum: '110101199003071233', orgName: '东城' });
  });
});

describe('pickCredential', () => {
  it.each([
    ['access_token', 'AT'],
    ['id_token', 'IDT'],
    ['attribute:token', 'BACKEND'],
  ])('%s gives %s', (setting, expected) => {
    expect(pickCredential(setting, { accessToken: 'AT', idToken: 'IDT' }, { token: 'BACKEND' })).toBe(expected);
  });

  it('refuses the sign-in when the designated attribute is absent', () => {
    expect(refusedClaim(() => pickCredential('attribute:backendToken', {}, { token: 'x' }))).toBe('backendToken');
  });
});

const XML_OK = `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationSuccess>
    <cas:user>zhangsan</cas:user>
    <cas:attributes>
      <cas:userName>张三</cas:userName>
      <cas:certNo>110101199003071233</cas:certNo>
      <cas:memberOf>a</cas:memberOf>
      <cas:memberOf>b</cas:memberOf>
    </cas:attributes>
  </cas:authenticationSuccess>
</cas:serviceResponse>`;

describe('parseServiceResponse', () => {
  it('reads user and attributes from XML, keeping an 18-digit number a string', () => {
    expect(parseServiceResponse(XML_OK, 'xml')).toEqual({
      ok: true, user: 'zhangsan', attributes: { userName: '张三', certNo: '110101199003071233', memberOf: ['a', 'b'] },
    });
  });

  it('reads the JSON form', () => {
    const json = JSON.stringify({ serviceResponse: { authenticationSuccess: { user: 'zhangsan', attributes: { certNo: '110101199003071233' } } } });
    expect(parseServiceResponse(json, 'json')).toEqual({ ok: true, user: 'zhangsan', attributes: { certNo: '110101199003071233' } });
  });

  it.each([
    ['an XML failure', '<cas:serviceResponse xmlns:cas="x"><cas:authenticationFailure code="INVALID_TICKET">no</cas:authenticationFailure></cas:serviceResponse>', 'xml', 'INVALID_TICKET'],
    ['a JSON failure', '{"serviceResponse":{"authenticationFailure":{"code":"INVALID_SERVICE","description":"x"}}}', 'json', 'INVALID_SERVICE'],
    ['a failure with an odd code', '<cas:serviceResponse xmlns:cas="x"><cas:authenticationFailure code="&lt;b&gt;">no</cas:authenticationFailure></cas:serviceResponse>', 'xml', 'INVALID_TICKET'],
    ['success without a user', '<cas:serviceResponse xmlns:cas="x"><cas:authenticationSuccess><cas:attributes/></cas:authenticationSuccess></cas:serviceResponse>', 'xml', 'INVALID_RESPONSE'],
    ['an HTML error page', '<html><body>502 Bad Gateway</body></html>', 'xml', 'INVALID_RESPONSE'],
    ['a DTD with entities', '<!DOCTYPE x [<!ENTITY a "aaaa">]><cas:serviceResponse xmlns:cas="x"><cas:authenticationSuccess><cas:user>&a;</cas:user></cas:authenticationSuccess></cas:serviceResponse>', 'xml', 'INVALID_RESPONSE'],
    ['broken JSON', '{"serviceResponse":', 'json', 'INVALID_RESPONSE'],
    ['an oversized answer', `<x>${'a'.repeat(70_000)}</x>`, 'xml', 'INVALID_RESPONSE'],
  ] as const)('refuses %s', (_what, body, format, code) => {
    expect(parseServiceResponse(body, format)).toEqual({ ok: false, code });
  });
});

describe('parseLogoutRequest', () => {
  it.each([
    ['<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="1"><saml:NameID xmlns:saml="a">@NOT_USED@</saml:NameID><samlp:SessionIndex>ST-abc_123</samlp:SessionIndex></samlp:LogoutRequest>', 'ST-abc_123'],
    ['<samlp:LogoutRequest xmlns:samlp="x"><samlp:SessionIndex>ST-<b>x</b></samlp:SessionIndex></samlp:LogoutRequest>', null],
    ['<samlp:LogoutRequest xmlns:samlp="x"></samlp:LogoutRequest>', null],
    ['not xml at all', null],
    [42, null],
  ])('%j names %j', (body, expected) => {
    expect(parseLogoutRequest(body)).toBe(expected);
  });
});
