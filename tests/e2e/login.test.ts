// Issue 4's Done-when, in Chromium at 390x844 against the real server and its embedded identity
// provider: a protected page asks to sign in, the provider's own login page signs zhangsan in,
// the browser lands back on the page first asked for, survives a reload, and signs out. Once per
// kind of platform the provider plays (issue 16): OpenID Connect, plain OAuth 2.0 and CAS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, phoneContext, seriousA11yProblems, startApp, type RunningApp } from '../support/e2e.ts';

describe.each(['oidc', 'oauth2', 'cas'] as const)('signing in through the unified identity platform (%s)', (mode) => {
  let app: RunningApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp({ SANDBOX_IDP_PROTOCOL: mode }), launchBrowser()]);
    context = await phoneContext(browser);
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(e.message));
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.stop();
  });

  it('takes a signed-out visitor of /history through the provider and back to /history, keeps them signed in across a reload, and signs out', async () => {
    await page.goto(`${app.origin}/history`);
    await page.waitForURL((u) => u.pathname === '/login');
    expect(new URL(page.url()).searchParams.get('return_to')).toBe('/history');
    await expect.poll(() => page.getByRole('heading', { name: '统一身份认证登录' }).isVisible()).toBe(true);
    expect(await seriousA11yProblems(page)).toEqual([]);

    await page.getByRole('button', { name: '统一身份认证登录' }).click();
    // The provider's real login page, not ours.
    await page.waitForURL((u) => u.pathname.startsWith('/sandbox/idp/'));
    await expect.poll(() => page.locator('h1').textContent()).toContain('个人用户登录');
    await page.locator('#account').fill('zhangsan');
    await page.locator('#password').fill('demo123456');
    await page.getByRole('button', { name: '登录' }).click();

    await page.waitForURL((u) => u.pathname === '/history' && u.search === '');
    await page.getByRole('button', { name: '菜单' }).click();
    await expect.poll(() => page.getByRole('dialog').textContent()).toContain('已登录：张*');
    await page.keyboard.press('Escape');

    await page.reload();
    await page.waitForLoadState('networkidle');
    expect(new URL(page.url()).pathname).toBe('/history');
    await page.getByRole('button', { name: '菜单' }).click();
    await expect.poll(() => page.getByRole('dialog').textContent()).toContain('已登录：张*');

    await page.getByRole('button', { name: '退出登录' }).click();
    // The provider asks to confirm ending its own session too, then sends the browser to /login.
    await page.waitForURL((u) => u.pathname.startsWith('/sandbox/idp/') || u.pathname === '/login');
    if (new URL(page.url()).pathname !== '/login') {
      await page.getByRole('button', { name: '确认退出' }).click();
      await page.waitForURL((u) => u.pathname === '/login');
    }

    await page.goto(`${app.origin}/`);
    await page.waitForURL((u) => u.pathname === '/login');
    await expect.poll(() => page.getByRole('button', { name: '统一身份认证登录' }).isVisible()).toBe(true);
    const session = await page.evaluate(async () => (await fetch('/api/session')).status);
    expect(session).toBe(401);
    expect(problems).toEqual([]);
  });
});
