import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';

// Issue 11 computes the security headers once at start-up instead of per request: every kind of
// answer must still carry them, the embedded provider's hijacked pages included.

let stack: BffStack;
beforeAll(async () => {
  stack = await startBffStack();
});
afterAll(async () => stack.close());

describe('security headers', () => {
  it.each([
    ['liveness', '/healthz', 200],
    ['an API call without a session', '/api/session', 401],
    ['an unknown API path', '/api/nope', 404],
  ])('are on %s (%s)', async (_label, path, status) => {
    const res = await fetch(`${stack.origin}${path}`);
    expect(res.status).toBe(status);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).toContain("frame-ancestors 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('are on the embedded provider\'s pages, which answer outside Fastify\'s reply', async () => {
    const res = await fetch(`${stack.origin}/sandbox/idp/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toBeTruthy();
  });
});
