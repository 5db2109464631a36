// GET / as the BFF serves it (issue 11): the static page for anyone not signed in as a citizen,
// the wallet rendered on the server for a citizen (personal: no-store), and the static page's
// body again when the wallet does not come in time. The web build here is a stand-in (an
// index.html and a .ssr/entry-server.js that prints the state it was given): what is under test
// is the BFF's side; tests/e2e/first-screen.test.ts runs the real renderer in Chromium.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_SCREEN_STATE_ID, type FirstScreenState } from '../../src/contract/first-screen.ts';
import { BffClient } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';

const INDEX = `<!doctype html>
<html lang="zh-CN">
  <head>
    <title>电子证照</title>
    <script type="module" crossorigin src="/assets/index-1.js"></script>
    <link rel="modulepreload" crossorigin href="/assets/WalletView-1.js">
    <link rel="preload" as="style" href="/assets/WalletView-1.css">
  </head>
  <body>
    <div id="app"></div>
  </body>
</html>
`;
// Markup from the state, as the real renderer's would be; a name with markup in it shows the escaping.
const RENDERER = `export async function renderWallet(state) {
  return '<ul class="stand-in">' + state.licenses.map((c) => '<li>' + c.name + '</li>').join('') + '</ul>';
}
`;

let dist: string;
let stack: BffStack;
/** While set, the wallet's upstream read waits for it: past the page's budget. */
let holdWallet: Promise<void> | null = null;

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'ecert-first-screen-'));
  writeFileSync(join(dist, 'index.html'), INDEX);
  mkdirSync(join(dist, '.ssr'));
  writeFileSync(join(dist, '.ssr', 'entry-server.js'), RENDERER);
  stack = await startBffStack({
    // A budget a loaded two-core machine meets; the slow case holds the read until the test ends.
    env: { WEB_DIST: dist, FIRST_SCREEN_BUDGET_MS: '4000' },
    // The network edge: the wallet's upstream read held back past the budget when a test asks.
    upstreamFetch: async (input, init) => {
      if (holdWallet && new URL(String(input)).pathname.endsWith('/license/webpage')) await holdWallet;
      return fetch(input, init);
    },
  });
});
afterAll(async () => {
  await stack?.close();
  rmSync(dist, { recursive: true, force: true });
});

async function page(client: BffClient, cookies = ''): Promise<{ status: number; cache: string | null; html: string }> {
  const jar = [client.jar.header(), cookies].filter(Boolean).join('; ');
  const res = await fetch(`${stack.origin}/`, { headers: { accept: 'text/html', 'accept-encoding': 'gzip', cookie: jar } });
  return { status: res.status, cache: res.headers.get('cache-control'), html: await res.text() };
}

function stateOf(html: string): FirstScreenState | null {
  const m = new RegExp(`<script type="application/json" id="${FIRST_SCREEN_STATE_ID}">([^<]*)</script>`).exec(html);
  return m?.[1] ? (JSON.parse(m[1]) as FirstScreenState) : null;
}

describe('GET /', () => {
  it('is the static page, byte for byte and cacheable as before, for a visitor who is not signed in', async () => {
    const res = await page(new BffClient(stack.origin));
    expect(res.status).toBe(200);
    expect(res.cache).toBe('no-cache');
    expect(res.html).toBe(INDEX);
  });

  it('is the static page for counter staff and for a session cookie the server does not know', async () => {
    const staff = new BffClient(stack.origin);
    await staff.login('staff01');
    expect((await page(staff)).html).toBe(INDEX);
    expect((await page(new BffClient(stack.origin), 'ecert_sid=forged')).html).toBe(INDEX);
  });

  describe('for a signed-in citizen', () => {
    let client: BffClient;
    beforeAll(async () => {
      client = new BffClient(stack.origin);
      await client.login('zhangsan');
    });

    it('carries the rendered wallet and its state, is no-store, and holds no token', async () => {
      const res = await page(client);
      expect(res.status).toBe(200);
      expect(res.cache).toBe('no-store');
      const state = stateOf(res.html);
      expect(state?.user).toMatchObject({ name: '张三', role: 'citizen' });
      expect(state?.licenses.map((c) => c.name)).toContain('居民户口簿');
      expect(state).toMatchObject({ locale: 'zh-CN', elder: false });
      expect(res.html).toMatch(/<div id="app"><ul class="stand-in"><li>[^<]+<\/li>/);
      // The wallet's CSS applies at once: its markup is already there.
      expect(res.html).toContain('<link rel="stylesheet" href="/assets/WalletView-1.css">');
      expect(res.html).not.toContain(client.csrfToken!);
      expect(res.html).not.toMatch(/csrf|credential|ecert_sid/i);
    });

    it('renders in the language and elder mode the page mirrored into cookies, and ignores anything else there', async () => {
      expect((await page(client, 'ecert_locale=en; ecert_elder=1')).html).toContain('<html lang="en" class="elder">');
      const bogus = await page(client, 'ecert_locale=fr"><script>; ecert_elder=yes');
      expect(bogus.html).toContain('<html lang="zh-CN">');
      expect(stateOf(bogus.html)).toMatchObject({ locale: 'zh-CN', elder: false });
    });

    it("goes out without the holder's data, still no-store, when the wallet is not read in time", async () => {
      let release = () => {};
      holdWallet = new Promise((r) => (release = r));
      try {
        const res = await page(client);
        expect(res.cache).toBe('no-store');
        expect(stateOf(res.html)).toBeNull();
        expect(res.html).toContain('<div id="app"></div>');
        expect(res.html).not.toContain('居民户口簿');
      } finally {
        holdWallet = null;
        release();
      }
    });

    it('is the static page again once the holder has signed out, even with the old cookie', async () => {
      const before = client.jar.header();
      await client.logout();
      const res = await fetch(`${stack.origin}/`, { headers: { accept: 'text/html', cookie: before } });
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toBe(INDEX);
    });
  });
});

it('escapes the state so that no value can close its script element', async () => {
  const { scriptJson } = await import('../../src/bff/plugins/first-screen.ts');
  const json = scriptJson({ name: '</script><script>alert(1)</script>&\u2028' });
  expect(json).not.toMatch(/[<>&\u2028]/);
  expect(JSON.parse(json)).toEqual({ name: '</script><script>alert(1)</script>&\u2028' });
});
