import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { BffClient, zhangsanAuthorisesHouseholdRegister } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';

// Issue 10, 1,000 holders: an overloaded BFF queued wallet reads into the upstream client's 8 s
// timeout and answered late 503s without Retry-After. Now /api is shed at once, in the envelope
// with Retry-After, past a bound on requests in flight or an event-loop delay, and serves again as
// soon as the pressure is gone; /healthz, sign-in and live-status streams are never shed.

let stack: BffStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

interface ErrorBody { error: { code: string; message: string; requestId: string } }

function expectShed(res: { status: number; headers: Headers; body: unknown }): void {
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('2');
  expect(res.headers.get('cache-control')).toContain('no-store');
  const body = res.body as ErrorBody;
  expect(body.error.code).toBe('UPSTREAM_UNAVAILABLE');
  expect(body.error.message).toBe('服务繁忙，请稍后再试');
  expect(body.error.requestId).toMatch(/\S/);
}

/** A live-status stream held open on its own connection; resolves with its status once headers arrive. */
function openStream(origin: string, path: string, cookie: string): Promise<{ status: number; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${origin}${path}`, { agent: false, headers: { cookie, accept: 'text/event-stream' } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, close: () => req.destroy() });
    });
    req.once('error', reject);
  });
}

describe('shedding /api when the BFF is overloaded', () => {
  it('past SHED_MAX_IN_FLIGHT answers 503 + Retry-After at once, never counts an open stream, and recovers', async () => {
    // The network edge: wallet reads wait there while `held` is set, as on a slow upstream.
    let held = false;
    let release: () => void = () => undefined;
    let entered: () => void = () => undefined;
    const holding = new Promise<void>((r) => (entered = r));
    const own = (stack = await startBffStack({
      env: { SHED_MAX_IN_FLIGHT: '1', SHED_EVENT_LOOP_DELAY_MS: '0' },
      upstreamFetch: async (input, init) => {
        if (held && String(input).includes('license/webpage')) {
          entered();
          await new Promise<void>((r) => (release = r));
        }
        return fetch(input, init);
      },
    }));
    const { client, auth } = await zhangsanAuthorisesHouseholdRegister(own.origin, 300, `shed-${Date.now()}`);
    const stream = await openStream(own.origin, `/api/authorisations/${auth.id}/events`, client.jar.header());
    expect(stream.status).toBe(200);
    // With the stream open and nothing else in flight, the bound of one still admits a read.
    expect((await client.api('GET', '/api/session')).status).toBe(200);

    held = true;
    const slowRead = client.api('GET', '/api/licenses');
    await holding;
    expectShed(await client.api('GET', '/api/session'));
    expectShed(await client.api('POST', '/api/authorisations', { body: {} }));
    // Health and the provider's sign-in pages answer as ever; so would a new stream.
    expect((await fetch(`${own.origin}/healthz`)).status).toBe(200);
    expect((await new BffClient(own.origin).raw('GET', '/auth/login')).status).toBeLessThan(500);

    held = false;
    release();
    expect((await slowRead).status).toBe(200);
    // The one in flight is done: the next is served, and the session was never lost.
    const after = await client.api('GET', '/api/licenses');
    expect(after.status).toBe(200);
    stream.close();
  });

  it('past SHED_EVENT_LOOP_DELAY_MS answers 503 + Retry-After, and serves again once the delay falls', async () => {
    let delayMs = 0;
    const own = (stack = await startBffStack({ env: { SHED_EVENT_LOOP_DELAY_MS: '200' }, eventLoopDelayMs: () => delayMs }));
    const client = new BffClient(own.origin);
    await client.login('zhangsan');
    expect((await client.api('GET', '/api/licenses')).status).toBe(200);

    delayMs = 1_500;
    expectShed(await client.api('GET', '/api/licenses'));
    const health = await fetch(`${own.origin}/healthz`);
    expect(health.status).toBe(200);
    // /readyz says what it finds, not "busy": the shed is not a readiness verdict.
    expect((await fetch(`${own.origin}/readyz`)).status).toBe(200);

    delayMs = 150;
    const back = await client.api<{ licenses: unknown[] }>('GET', '/api/licenses');
    expect(back.status).toBe(200);
    expect(back.body.licenses.length).toBeGreaterThan(0);
  });
});
