import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authorisation, LicenseListResponse, MobileViewLink } from '../../src/contract/bff.ts';
import { SERVICE_ITEM } from '../../src/sandbox/catalogue-data.ts';
import { scrubText } from '../../src/bff/logging.ts';
import { BffClient, zhangsanAuthorisesHouseholdRegister } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';

// Finding 7: usage codes reached the logs in paths: /c/<code> and return_to=/c/…. Now one scrubber
// runs once per line and knows usage codes wherever they appear, paths included.

let stack: BffStack;
beforeAll(async () => {
  stack = await startBffStack({ captureLogs: true });
}, 60_000);
afterAll(async () => stack?.close());

describe('usage codes in the log of a full flow', () => {
  it('appear nowhere, whichever way they travelled', async () => {
    const { client: holder, auth } = await zhangsanAuthorisesHouseholdRegister(stack.origin, 120, 'log-flow-1');
    const code = auth.authCode;
    expect(code).toMatch(/^[A-Za-z0-9_-]{16,}$/);

    // The counter's phone camera opens the QR's URL; staff not signed in go through the login.
    const staff = new BffClient(stack.origin);
    await staff.raw('GET', `/c/${code}`, { headers: { accept: 'text/html' } });
    const { landedAt } = await staff.login('staff01', { returnTo: `/c/${code}` });
    expect(landedAt).toBe(`/c/${code}`);
    const kase = { bizNum: 'DC2026-LOG-01', serviceItemCode: SERVICE_ITEM.householdAffairs, authCode: code };
    expect((await staff.api('POST', '/api/counter/redeem', { body: kase })).status).toBe(200);
    expect((await staff.api('POST', '/api/counter/archive', { body: kase })).status).toBe(200);
    // A mistyped code is refused, and is no more logged than a good one.
    const typo = `${code.slice(0, -1)}${code.endsWith('A') ? 'B' : 'A'}`;
    expect((await staff.api('POST', '/api/counter/redeem', { body: { ...kase, authCode: typo } })).status).toBe(409);

    // The holder watches, revokes a second code, and opens the mobile view.
    expect((await holder.api<Authorisation>('GET', `/api/authorisations/${auth.id}`)).body.status).toBe('used');
    const wallet = (await holder.api<LicenseListResponse>('GET', '/api/licenses')).body;
    const second = (await holder.api<Authorisation>('POST', '/api/authorisations', {
      body: { licenseCode: auth.licenseCode, serviceItemCode: SERVICE_ITEM.householdAffairs, validitySeconds: 120, idempotencyKey: 'log-flow-2', sensitiveConsent: true },
    })).body;
    expect((await holder.api('POST', `/api/authorisations/${second.id}/revoke`)).status).toBe(200);
    const link = (await holder.api<MobileViewLink>('POST', `/api/licenses/${wallet.licenses[0]!.licenseCode}/mobile-view`)).body;
    const token = new URL(link.url, stack.origin).searchParams.get('license_access_token') ?? '';
    expect(token.length).toBeGreaterThan(16);
    expect((await holder.api('GET', `/api/mobile-view?license_access_token=${token}`)).status).toBe(200);

    await new Promise((r) => setImmediate(r));
    const log = stack.logs.join('\n');
    // The flow was logged (so the absence below means something) ...
    expect(log).toContain('/auth/login?return_to=');
    expect(log).toContain('counter.redeem');
    expect(log).toContain('get_license');
    // ... and no code, token or identity number is in it.
    for (const secret of [code, typo, second.authCode, token, '110101199003071233']) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/[?&](auth_code|license_access_token)=(?!\*\*\*)/);
  });
});

describe('the scrubber', () => {
  it.each([
    ['/c/AbCdEfGhIjKlMnOpQrStUv', '/c/***'],
    ['/auth/login?return_to=/c/AbCdEfGhIjKlMnOpQrStUv&x=1', '/auth/login?return_to=/c/***&x=1'],
    ['/auth/login?return_to=%2Fc%2FAbCdEfGhIjKlMnOpQrStUv', '/auth/login?return_to=%2Fc%2F***'],
    ['/auth/login?return_to=%2fc%2fAbCdEfGhIjKlMnOpQrStUv', '/auth/login?return_to=%2fc%2f***'],
    ['/license/get_license?auth_code=AbCdEfGhIjKlMnOpQrStUv&access_token=x', '/license/get_license?auth_code=***&access_token=***'],
    // Ordinary paths stay readable.
    ['/api/licenses/LC1/service-items', '/api/licenses/LC1/service-items'],
    ['/assets/counter-abc.js', '/assets/counter-abc.js'],
  ])('%s -> %s', (input, expected) => {
    expect(scrubText(input)).toBe(expected);
  });
});
