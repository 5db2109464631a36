import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeReturnTo } from '../../src/contract/return-to.ts';
import { BffClient } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';

// Issue 10, finding 1: `/auth/login?return_to=/.//evil.com` ended in `Location: //evil.com`,
// because the `//` check ran before the URL parser resolved the dot segments.

const OFF_SITE = [
  '/.//evil.com',
  '/..//evil.com',
  '/a/..//evil.com',
  '/a/b/../..//evil.com',
  '/%2e//evil.com',
  '/%2E//evil.com',
  '/%2e%2e//evil.com',
  '/a/%2e%2e//evil.com',
  '/./%2e//evil.com',
  '//evil.com',
  '///evil.com',
  '/\\evil.com',
  '\\\\evil.com',
  '/.\\/evil.com',
  '/\t/evil.com',
  '/\n/evil.com',
  ' //evil.com',
  'https://evil.com',
  'http:/evil.com',
  'javascript:alert(1)',
  'evil.com',
];

const LOOPS = ['/login', '/login?x=1', '/auth/login', '/auth/callback?code=x', '/x/../auth/logout', '/%2e/auth/login'];

const KEPT: Array<[string, string]> = [
  ['/history', '/history'],
  ['/licenses/LC1?x=1#top', '/licenses/LC1?x=1#top'],
  ['/a/../history', '/history'],
  ['/./history', '/history'],
  ['/%2Fevil.com', '/%2Fevil.com'], // an encoded slash stays part of one path segment
  ['/c/%2e%2e', '/'],
  ['/loginx', '/loginx'],
];

describe('safe return path (one module for the BFF and the page)', () => {
  it.each(OFF_SITE)('refuses %j', (value) => {
    expect(safeReturnTo(value)).toBe('/');
    expect(safeReturnTo(value, '/fallback')).toBe('/fallback');
  });

  it.each(LOOPS)('refuses the login loop %j', (value) => {
    expect(safeReturnTo(value)).toBe('/');
  });

  it.each(KEPT)('keeps %j as %j', (value, expected) => {
    expect(safeReturnTo(value)).toBe(expected);
  });

  it('never hands out anything a browser would read as another host', () => {
    // Every output must resolve against our origin to our origin.
    for (const value of [...OFF_SITE, ...LOOPS, ...KEPT.map(([v]) => v)]) {
      expect(new URL(safeReturnTo(value), 'https://ours.example').origin).toBe('https://ours.example');
    }
  });
});

describe('/auth/login with a hostile return_to, through the whole provider round trip', () => {
  let stack: BffStack;
  let holder: BffClient;
  beforeAll(async () => {
    stack = await startBffStack();
    holder = new BffClient(stack.origin);
    await holder.login('zhangsan');
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it.each(OFF_SITE)('lands %j on our own home page', async (value) => {
    // The holder still has a provider session: each round trip needs no password.
    const { landedAt } = await holder.login('zhangsan', { returnTo: value });
    expect(landedAt).toBe('/');
  });

  it('still lands on the page asked for when it is one of ours', async () => {
    expect((await holder.login('zhangsan', { returnTo: '/a/../history?tab=uses' })).landedAt).toBe('/history?tab=uses');
  });
});
