import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Authorisation, AuthorisationStatusEvent } from '../../src/contract/bff.ts';
import { zhangsanAuthorisesHouseholdRegister } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';
import { errorCode, SandboxClient } from '../support/sandbox-client.ts';

// The holder's chosen validity is kept even when it is shorter than the upstream code's life
// (300 s): the BFF pushes 'expired' at that time and revokes the code upstream. This file waits
// 30 s, the shortest validity the configuration allows; it idles, so it runs beside the others.

let stack: BffStack;
beforeAll(async () => {
  stack = await startBffStack({ env: { AUTH_MIN_SECONDS: '30' } });
});
afterAll(async () => {
  await stack?.close();
});

// Needs the revoke extension; the standard-only run is covered by holder-honest-status.test.ts.
it("pushes 'expired' at the chosen time and the upstream then refuses the code", async ({ skip }) => {
  if (!stack.config.sandbox.extensions.includes('revoke')) skip();
  const { client: zhangsan, auth } = await zhangsanAuthorisesHouseholdRegister(stack.origin, 30, 'expiry-test-1');
  expect(Date.parse(auth.expiresAt) - Date.parse(auth.createdAt)).toBe(30_000);

  const res = await fetch(`${stack.origin}/api/authorisations/${auth.id}/events`, { headers: { cookie: zhangsan.jar.header() } });
  const reader = res.body!.getReader();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  const statuses = [...text.matchAll(/^data: (.*)$/gm)].map((m) => (JSON.parse(m[1]!) as AuthorisationStatusEvent).status);
  expect(statuses).toEqual(['active', 'expired']);
  expect(text).toContain(': keep-alive');
  expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(auth.expiresAt));

  // The revoke follows the push; one try after a pause (a redeeming poll would itself use the code).
  await new Promise((r) => setTimeout(r, 1000));
  const counter = await new SandboxClient(`${stack.origin}/sandbox/license-app/v1`).login('counter-demo');
  expect(errorCode(await counter.get('/license/get_license', { auth_code: auth.authCode }))).toBe('AUTH_CODE_REVOKED');
  expect((await zhangsan.api<Authorisation>('GET', `/api/authorisations/${auth.id}`)).body.status).toBe('expired');
}, 60_000);
