import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AuthorisationStatusEvent } from '../../src/contract/bff.ts';
import { zhangsanAuthorisesHouseholdRegister } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';
import { SandboxClient } from '../support/sandbox-client.ts';

// When the upstream's events feed cannot be reached, the live status still arrives (from the
// upstream's list of uses), the BFF keeps answering, and the outage is logged once, not per retry.

let stack: BffStack;
let feedAttempts = 0;
beforeAll(async () => {
  stack = await startBffStack({
    captureLogs: true,
    upstreamFetch: async (input, init) => {
      const url = new URL(String(input));
      // The long polls fail; the start-up probe (wait=0) got through, so the BFF knows the feed exists.
      if (url.pathname.endsWith('/license/auth_code/events') && url.searchParams.get('wait') !== '0') {
        feedAttempts += 1;
        throw new TypeError('fetch failed');
      }
      return fetch(input, init);
    },
  });
});
afterAll(async () => {
  await stack?.close();
});

// Needs the events and uses extensions; the standard-only run is covered by holder-honest-status.test.ts.
it("still pushes 'used' with the feed down, and logs the outage once", async ({ skip }) => {
  if (!stack.config.sandbox.extensions.includes('events') || !stack.config.sandbox.extensions.includes('uses')) skip();
  const { client: zhangsan, auth } = await zhangsanAuthorisesHouseholdRegister(stack.origin, 300, 'feed-down-1');

  const res = await fetch(`${stack.origin}/api/authorisations/${auth.id}/events`, { headers: { cookie: zhangsan.jar.header() } });
  const counter = await new SandboxClient(`${stack.origin}/sandbox/license-app/v1`).login('counter-demo');
  expect((await counter.get('/license/get_license', { auth_code: auth.authCode })).ack_code).toBe('SUCCESS');
  const started = Date.now();
  const reader = res.body!.getReader();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  const statuses = [...text.matchAll(/^data: (.*)$/gm)].map((m) => (JSON.parse(m[1]!) as AuthorisationStatusEvent).status);
  expect(statuses).toEqual(['active', 'used']);
  expect(Date.now() - started).toBeLessThan(5000);

  expect(feedAttempts).toBeGreaterThan(1);
  expect(stack.logs.filter((l) => l.includes('upstream events feed failed'))).toHaveLength(1);
});
