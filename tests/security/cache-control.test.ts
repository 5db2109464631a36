import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LicenseListResponse } from '../../src/contract/bff.ts';
import { BffClient } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';

// Finding 9 (part): Cache-Control was missing on two /api GETs. Now every /api answer, errors
// included, says no-store: each is about one person, or says why not.

let stack: BffStack;
let holder: BffClient;
let licenseCode: string;

beforeAll(async () => {
  stack = await startBffStack();
  holder = new BffClient(stack.origin);
  await holder.login('zhangsan');
  licenseCode = (await holder.api<LicenseListResponse>('GET', '/api/licenses')).body.licenses[0]!.licenseCode;
}, 60_000);
afterAll(async () => stack?.close());

describe('Cache-Control on /api', () => {
  it('is no-store on every answer a signed-in holder gets, and on every refusal', async () => {
    const anonymous = new BffClient(stack.origin);
    const answers = await Promise.all([
      holder.api('GET', '/api/session'),
      holder.api('GET', '/api/licenses'),
      holder.api('GET', `/api/licenses/${licenseCode}`),
      holder.api('GET', `/api/licenses/${licenseCode}/service-items`),
      holder.api('GET', '/api/history'),
      holder.api('GET', '/api/counter/service-items'), // 403: not counter staff
      holder.api('GET', '/api/no-such-thing'), // 404
      holder.api('POST', '/api/authorisations', { body: { nonsense: true } }), // 400
      holder.api('POST', '/api/session/extend', { csrf: false }), // 403 CSRF
      anonymous.api('GET', '/api/licenses'), // 401
    ]);
    const statuses = answers.map((a) => a.status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 403, 404, 400, 403, 401]);
    for (const a of answers) expect(a.headers.get('cache-control')).toBe('no-store');
  });
});
