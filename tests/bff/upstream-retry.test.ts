import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LicenseListResponse } from '../../src/contract/bff.ts';
import { BffClient } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';

// Issue 10 item 9, at the network edge: license/webpage is a read sent as POST, so a transient
// upstream fault is retried instead of failing the wallet.

let stack: BffStack;
let webpageCalls = 0;
beforeAll(async () => {
  stack = await startBffStack({
    upstreamFetch: async (input, init) => {
      // Every other webpage call fails as a gateway does under load (more than the 30% seen).
      if (new URL(String(input)).pathname.endsWith('/license/webpage') && ++webpageCalls % 2 === 1) {
        return new Response('<html>502 Bad Gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } });
      }
      return fetch(input, init);
    },
  });
});
afterAll(async () => {
  await stack?.close();
});

it('loads the wallet every time although every other upstream read fails', async () => {
  const zhangsan = new BffClient(stack.origin);
  await zhangsan.login('zhangsan');
  for (let i = 0; i < 6; i++) {
    const res = await zhangsan.api<LicenseListResponse>('GET', '/api/licenses');
    expect(res.status, res.text).toBe(200);
    expect(res.body.licenses.length).toBeGreaterThan(0);
  }
  expect(webpageCalls).toBeGreaterThanOrEqual(12);
});
