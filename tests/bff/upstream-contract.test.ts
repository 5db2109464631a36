import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody, LicenseListResponse } from '../../src/contract/bff.ts';
import { BffClient } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';

// The upstream client checks each answer against the contract's schemas. At the network edge the
// sandbox's real license/webpage answer is altered: a record loses a required field, or gains a
// vendor's extra one. The holder's page gets the UPSTREAM_ERROR envelope naming the field, and the
// log names it too, but nothing of the holder's certificate.

type Alteration = 'none' | 'drop-license-code' | 'status-as-number' | 'extra-field';
let alteration: Alteration = 'none';
let stack: BffStack;
let holder: BffClient;

async function altered(res: Response): Promise<Response> {
  const env = (await res.json()) as { data: Array<Record<string, unknown>> };
  const first = env.data[0]!;
  if (alteration === 'drop-license-code') delete first.license_code;
  if (alteration === 'status-as-number') first.license_status = 3;
  if (alteration === 'extra-field') first.vendor_seal = { id: 'S-1', kind: 'province' };
  return new Response(JSON.stringify(env), { status: res.status, headers: { 'content-type': 'application/json' } });
}

beforeAll(async () => {
  stack = await startBffStack({
    captureLogs: true,
    upstreamFetch: async (input, init) => {
      const res = await fetch(input, init);
      const webpage = new URL(String(input)).pathname.endsWith('/license/webpage');
      return webpage && alteration !== 'none' ? altered(res) : res;
    },
  });
  holder = new BffClient(stack.origin);
  await holder.login('zhangsan');
}, 60_000);
afterAll(async () => stack?.close());

describe('an upstream answer that breaks the contract', () => {
  it.each([
    ['drop-license-code', 'license_code'],
    ['status-as-number', 'license_status'],
  ] as const)('%s: the wallet answers UPSTREAM_ERROR naming %s, and the log keeps the holder out', async (kind, field) => {
    alteration = kind;
    const logsBefore = stack.logs.length;
    const res = await holder.api<ApiErrorBody>('GET', '/api/licenses');
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('UPSTREAM_ERROR');
    expect(res.body.error.message).toContain(`字段 ${field}`);
    expect(res.text).not.toContain('张三');

    await new Promise((r) => setImmediate(r));
    const log = stack.logs.slice(logsBefore).join('\n');
    expect(log).toContain(field);
    for (const personal of ['张三', '110101199003071233', '1101011990']) expect(log).not.toContain(personal);
  });

  it('an extra field the contract does not know is ignored: the wallet still shows', async () => {
    alteration = 'extra-field';
    const res = await holder.api<LicenseListResponse>('GET', '/api/licenses');
    expect(res.status).toBe(200);
    expect(res.body.licenses.length).toBeGreaterThan(0);
    expect(res.text).not.toContain('vendor_seal');
  });
});
