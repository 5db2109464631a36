import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Authorisation, AuthorisationStatusEvent } from '../../src/contract/bff.ts';
import { zhangsanAuthorisesHouseholdRegister } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';
import { ManualClock } from '../support/clock.ts';
import { errorCode, SandboxClient } from '../support/sandbox-client.ts';

// The holder's chosen validity is kept even when it is shorter than the upstream code's life
// (300 s): the BFF pushes 'expired' at that time and revokes the code upstream. The BFF's clock
// is moved past the 30 s (the shortest validity the configuration allows) instead of waiting;
// the upstream keeps real time, so its code is still alive until the BFF revokes it.

const clock = new ManualClock();
let stack: BffStack;
beforeAll(async () => {
  stack = await startBffStack({ env: { AUTH_MIN_SECONDS: '30' }, clock });
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
  const read = async (until: (t: string) => boolean) => {
    while (!until(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
  };
  const statuses = () => [...text.matchAll(/^data: (.*)$/gm)].map((m) => (JSON.parse(m[1]!) as AuthorisationStatusEvent).status);
  await read(() => statuses().length > 0);
  expect(statuses()).toEqual(['active']);

  // A second short of the chosen end nothing changes; at it, the stream says expired and ends.
  clock.advance(29_000);
  const before = await zhangsan.api<Authorisation>('GET', `/api/authorisations/${auth.id}`);
  expect(before.body.status).toBe('active');
  clock.advance(1_000);
  await read(() => false);
  expect(statuses()).toEqual(['active', 'expired']);
  expect(clock.now()).toBeGreaterThanOrEqual(Date.parse(auth.expiresAt));

  // The revoke went through before the push.
  const counter = await new SandboxClient(`${stack.origin}/sandbox/license-app/v1`).login('counter-demo');
  expect(errorCode(await counter.get('/license/get_license', { auth_code: auth.authCode }))).toBe('AUTH_CODE_REVOKED');
  expect((await zhangsan.api<Authorisation>('GET', `/api/authorisations/${auth.id}`)).body.status).toBe('expired');
});
