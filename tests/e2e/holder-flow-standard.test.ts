// Issue 9's Done-when, in Chromium against the real server with its sandbox playing the
// standard-only service (SANDBOX_EXTENSIONS=none): the whole holder journey runs with no 4xx/5xx
// from the BFF, no revoke or refresh offered, no "view on mobile" without a page to open, and
// texts that match what the service can do. holder-flow.test.ts is the same journey with every
// extension.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, phoneContext, seriousA11yProblems, signIn, startApp, type RunningApp } from '../support/e2e.ts';
import { signInCounterSystem } from '../support/counter-system.ts';

let app: RunningApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const failures: string[] = [];
let signedIn = false;

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp({ SANDBOX_EXTENSIONS: 'none' }), launchBrowser()]);
  context = await phoneContext(browser);
  page = await context.newPage();
  page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    // Before sign-in the page's session probe answers 401 by design; after it, nothing may fail.
    if (signedIn && (path.startsWith('/api/') || path.startsWith('/auth/')) && r.status() >= 400) failures.push(`${r.status()} ${path}`);
  });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await app?.stop();
});

describe('the holder journey against a standard-only sharing service', () => {
  let authCode = '';

  it('signs in and opens a certificate, where "view on mobile" is not offered without a page to open', async () => {
    await signIn(page, app.origin, 'zhangsan', '/login');
    await page.waitForURL(`${app.origin}/`);
    signedIn = true;
    await page.getByRole('link', { name: '居民户口簿' }).first().click();
    await page.getByRole('link', { name: '授权使用' }).waitFor();
    // Capabilities arrive with the page; give them a moment, then the button must still be absent.
    await page.waitForLoadState('networkidle');
    expect(await page.getByTestId('mobile-view').count()).toBe(0);
  });

  it('consents to a fixed validity and is told the code cannot be withdrawn', async () => {
    await page.getByRole('link', { name: '授权使用' }).click();
    await page.waitForURL(/\/authorise$/);
    await page.getByRole('radio', { name: /户籍业务办理/ }).check();
    expect(await page.getByTestId('fixed-validity').textContent()).toContain('不能缩短');
    expect(await page.getByRole('radio', { name: /分钟/ }).count()).toBe(0);
    const note = await page.getByTestId('consent-revoke-note').textContent();
    expect(note).toContain('不支持撤回');
    expect(note).not.toContain('用证记录');
    expect(await seriousA11yProblems(page)).toEqual([]);
    await page.getByTestId('sensitive-consent').check();
    await page.getByTestId('consent-confirm').click();
    await page.waitForURL(/\/usage\/[^/]+$/);
    await page.getByRole('img', { name: '用证二维码，供工作人员扫描' }).waitFor();
  });

  it('shows the QR with plain words instead of refresh and revoke, and does not pretend to wait', async () => {
    await page.getByTestId('usage-notice').waitFor();
    expect(await page.getByTestId('usage-notice-revoke').textContent()).toMatch(/用证码在 .+ 前有效，不能撤回/);
    expect(await page.getByTestId('usage-notice-live').textContent()).toContain('以办事窗口确认为准');
    expect(await page.getByTestId('usage-refresh').count()).toBe(0);
    expect(await page.getByTestId('usage-revoke').count()).toBe(0);
    expect(await seriousA11yProblems(page)).toEqual([]);
    authCode = (await page.getByTestId('usage-code-text').textContent())!.replace(/\s+/g, '');

    // No stream and no polling: nothing asks about this code while the page just shows it.
    const asked: string[] = [];
    const watch = (r: { url: () => string }) => {
      if (new URL(r.url()).pathname.startsWith('/api/authorisations/')) asked.push(r.url());
    };
    page.on('request', watch);
    expect((await (await signInCounterSystem(app.origin)).getLicense(authCode)).ack_code).toBe('SUCCESS');
    await page.waitForTimeout(3500);
    page.off('request', watch);
    expect(asked).toEqual([]);
    // The page never claims what the service did not report.
    expect(await page.getByTestId('usage-card').getAttribute('data-status')).toBe('active');
  });

  it("lists the BFF's own record in history, says uses are not reported, and offers no revoke", async () => {
    await page.getByRole('link', { name: '查看用证记录' }).click();
    await page.getByTestId('history-list').waitFor();
    expect(await page.getByTestId('history-uses-not-reported').textContent()).toContain('本服务不回传');
    const entries = page.locator('[data-testid="history-list"] > li');
    expect(await entries.count()).toBe(1);
    expect(await entries.first().getAttribute('data-kind')).toBe('authorisation');
    expect(await entries.first().textContent()).toContain('授权 北京市东城区政务服务中心 办理「户籍业务办理」');
    expect(await page.getByRole('button', { name: /撤销/ }).count()).toBe(0);
    expect(await seriousA11yProblems(page)).toEqual([]);
    expect(failures).toEqual([]);
  });
});
