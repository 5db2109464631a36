// Issue 5's Done-when, in Chromium at 390x844 against the real server with its embedded
// sandbox: sign in through the provider's page, authorise a use, read the QR with zbarimg,
// redeem it as the counter system, see "used" arrive live, find it in history, revoke another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, phoneContext, seriousA11yProblems, signIn, startApp, type RunningApp } from '../support/e2e.ts';
import { screenshot } from './ux-support.ts';
import { signInCounterSystem } from '../support/counter-system.ts';

const run = promisify(execFile);

let app: RunningApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let shots: string;
const problems: string[] = [];

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  context = await phoneContext(browser);
  page = await context.newPage();
  page.on('pageerror', (e) => problems.push(e.message));
  shots = mkdtempSync(join(tmpdir(), 'ecert-qr-'));
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await app?.stop();
  if (shots) rmSync(shots, { recursive: true, force: true });
});



/** Screenshot of the QR alone, read by an independent decoder. */
async function decodeQr(): Promise<string> {
  const file = join(shots, `qr-${Date.now()}.png`);
  await page.getByTestId('usage-card').screenshot({ path: file });
  const { stdout } = await run('zbarimg', ['--raw', '-q', file]);
  return stdout.trim();
}

async function authoriseHouseholdRegister(): Promise<string> {
  await page.goto(`${app.origin}/`);
  await page.getByRole('link', { name: '居民户口簿' }).click();
  await page.getByRole('link', { name: '授权使用' }).click();
  await page.waitForURL(/\/authorise$/);
  await page.getByRole('radio', { name: /户籍业务办理/ }).check();
  await expect.poll(() => page.getByTestId('consent-confirm').isDisabled()).toBe(true);
  await page.getByTestId('sensitive-consent').check();
  await page.getByTestId('consent-confirm').click();
  await page.waitForURL(/\/usage\/[^/]+$/);
  await page.getByRole('img', { name: '用证二维码，供工作人员扫描' }).waitFor();
  return new URL(page.url()).pathname.split('/').pop()!;
}

describe('the holder authorises a use and sees it used, live', () => {
  let authCode = '';

  it('signs in as zhangsan and the wallet shows his certificates with their states', async () => {
    await signIn(page, app.origin, 'zhangsan', '/login');
    await page.waitForURL(`${app.origin}/`);
    const card = (name: string) => page.locator('article').filter({ has: page.getByRole('link', { name, exact: true }) });
    await card('居民户口簿').first().waitFor();
    expect(await card('居民户口簿').textContent()).toContain('有效');
    expect(await card('机动车驾驶证').textContent()).toMatch(/30天内到期，剩(19|20)天/);
    expect(await card('无犯罪记录证明').textContent()).toContain('已过期');
    const estates = await card('不动产权证书').allTextContents();
    expect(estates.some((t) => t.includes('已废止'))).toBe(true);
    expect(estates.some((t) => t.includes('有效') && !t.includes('已废止'))).toBe(true);
  });

  it('authorises the household register for a service item after separate consent; the QR carries /c/{auth_code}', async () => {
    await page.goto(`${app.origin}/`);
    await page.getByRole('link', { name: '居民户口簿' }).click();
    await page.getByRole('link', { name: '授权使用' }).click();
    await page.waitForURL(/\/authorise$/);
    await page.getByRole('radio', { name: /户籍业务办理/ }).check();
    const summary = await page.locator('.consent-summary').textContent();
    expect(summary).toContain('将在办理「户籍业务办理」时获取您的「居民户口簿」中的以下信息');
    expect(summary).toContain('敏感');
    expect(await page.getByTestId('consent-confirm').isDisabled()).toBe(true);
    expect(await seriousA11yProblems(page)).toEqual([]);

    await page.getByTestId('sensitive-consent').check();
    await page.getByTestId('consent-confirm').click();
    await page.waitForURL(/\/usage\/[^/]+$/);
    await page.getByRole('img', { name: '用证二维码，供工作人员扫描' }).waitFor();
    expect(await page.locator('#usage-code-heading').textContent()).toContain('居民户口簿');
    expect(await page.textContent('main')).toContain('持证人：张*');

    const url = await decodeQr();
    expect(url).toMatch(new RegExp(`^${app.origin.replace(/[.:/]/g, '\\$&')}/c/[0-9A-Za-z_-]+$`));
    authCode = url.split('/c/')[1]!;
    const shown = (await page.getByTestId('usage-code-text').textContent())!.replace(/\s+/g, '');
    expect(shown).toBe(authCode);
    expect(await seriousA11yProblems(page)).toEqual([]);
  });

  it('shows "used" within 2 s of the counter system calling get_license, without a reload', async () => {
    const navigations: string[] = [];
    page.on('framenavigated', (f) => f === page.mainFrame() && navigations.push(f.url()));
    const answer = await (await signInCounterSystem(app.origin)).getLicense(authCode);
    expect(answer.ack_code).toBe('SUCCESS');
    const usedAt = Date.now();
    await page.getByTestId('usage-used').waitFor({ timeout: 2000 });
    expect(Date.now() - usedAt).toBeLessThan(2000);
    expect(await page.getByTestId('usage-used').textContent()).toMatch(/已被 北京市东城区政务服务中心 使用/);
    // A plain ending: what was done in words, and the way home.
    expect(await page.getByTestId('usage-used').textContent()).toContain('窗口查看了证照信息');
    expect(await page.getByTestId('usage-used').textContent()).not.toContain('方式');
    expect(await page.getByTestId('usage-done').textContent()).toBe('完成');
    expect(await page.getByTestId('usage-back-to-wallet').textContent()).toBe('返回我的证照');
    await expect.poll(() => page.getByTestId('usage-verdict').textContent()).toContain('用证码已被 北京市东城区政务服务中心 使用');
    expect(await page.getByTestId('usage-verdict').getAttribute('aria-live')).toBe('assertive');
    expect(navigations).toEqual([]);
  });

  it('lists the redemption in history, newest first', async () => {
    await page.getByRole('link', { name: '查看用证记录' }).click();
    await page.getByTestId('history-list').waitFor();
    const entries = page.locator('[data-testid="history-list"] > li');
    // One entry per authorisation, its use inside it, in plain words and with no technical account.
    expect(await entries.first().getAttribute('data-kind')).toBe('authorisation');
    const first = await entries.first().textContent();
    expect(first).toContain('授权 北京市东城区政务服务中心 办理「户籍业务办理」');
    expect(first).toContain('居民户口簿');
    expect(await entries.first().getByTestId('history-uses').textContent()).toContain('北京市东城区政务服务中心');
    expect(await entries.first().getByTestId('history-uses').textContent()).toContain('窗口查看了证照信息');
    const list = await page.locator('[data-testid="history-list"]').textContent();
    expect(list).not.toContain('方式：');
    expect(list).not.toContain('holder-h5');
    await screenshot(page, 'history-per-authorisation');
    expect(await seriousA11yProblems(page)).toEqual([]);
  });

  it('revokes a second authorisation from the page, after which the code is refused upstream', async () => {
    await authoriseHouseholdRegister();
    const second = (await decodeQr()).split('/c/')[1]!;
    expect(second).not.toBe(authCode);
    await page.getByTestId('usage-revoke').click();
    await page.getByRole('dialog').getByRole('button', { name: '撤销', exact: true }).click();
    await page.getByTestId('usage-revoked').waitFor();
    expect(await page.getByRole('img', { name: '用证二维码，供工作人员扫描' }).count()).toBe(0);

    const answer = await (await signInCounterSystem(app.origin)).getLicense(second);
    expect(answer.ack_code).toBe('FAILURE');
    expect(answer.errors?.[0]?.code).toBe('AUTH_CODE_REVOKED');
  });

  it('makes one authorisation from a double tap, and revokes it from history', async () => {
    await page.goto(`${app.origin}/history`);
    const authorisations = page.locator('[data-testid="history-list"] > li[data-kind="authorisation"]');
    await authorisations.first().waitFor();
    const before = await authorisations.count();

    await page.goto(`${app.origin}/`);
    await page.getByRole('link', { name: '居民户口簿' }).click();
    await page.getByRole('link', { name: '授权使用' }).click();
    await page.getByRole('radio', { name: /户籍业务办理/ }).check();
    await page.getByTestId('sensitive-consent').check();
    await page.getByTestId('consent-confirm').dblclick();
    await page.getByRole('img', { name: '用证二维码，供工作人员扫描' }).waitFor();

    await page.getByRole('link', { name: '查看用证记录' }).click();
    await expect.poll(() => authorisations.count()).toBe(before + 1);
    const active = authorisations.filter({ hasText: '待使用' });
    expect(await active.count()).toBe(1);
    await active.getByRole('button', { name: '撤销对 北京市东城区政务服务中心 的授权' }).click();
    await page.getByRole('dialog').getByRole('button', { name: '撤销', exact: true }).click();
    await expect.poll(() => authorisations.first().textContent()).toContain('已撤销');
    expect(await authorisations.filter({ hasText: '待使用' }).count()).toBe(0);
    expect(problems).toEqual([]);
  });
});

describe('a code about to expire', () => {
  it('is replaced by a fresh one about 15 s before expiry, and the old code is refused upstream', async () => {
    // 30-second codes so the refresh happens within the test.
    const short = await startApp({ AUTH_MIN_SECONDS: '30', AUTH_MAX_SECONDS: '30', HOLDER_CODE_TTL_SECONDS: '30' });
    const ctx = await phoneContext(browser);
    const tab = await ctx.newPage();
    try {
      await tab.goto(`${short.origin}/login`);
      await tab.getByRole('button', { name: '统一身份认证登录' }).click();
      await tab.locator('#account').fill('zhangsan');
      await tab.locator('#password').fill('demo123456');
      await tab.getByRole('button', { name: '登录' }).click();
      await tab.waitForURL(`${short.origin}/`);
      await tab.getByRole('link', { name: '居民户口簿' }).click();
      await tab.getByRole('link', { name: '授权使用' }).click();
      await tab.getByRole('radio', { name: /户籍业务办理/ }).check();
      await tab.getByTestId('sensitive-consent').check();
      await tab.getByTestId('consent-confirm').click();
      await tab.waitForURL(/\/usage\/[^/]+$/);
      const firstId = new URL(tab.url()).pathname.split('/').pop();
      const firstCode = (await tab.getByTestId('usage-code-text').textContent())!.replace(/\s+/g, '');
      expect(await tab.textContent('main')).toContain('用证码即将过期，将自动刷新');

      await tab.waitForURL((u) => !u.pathname.endsWith(`/${firstId}`), { timeout: 25_000 });
      await tab.getByRole('img', { name: '用证二维码，供工作人员扫描' }).waitFor();
      const secondCode = (await tab.getByTestId('usage-code-text').textContent())!.replace(/\s+/g, '');
      expect(secondCode).not.toBe(firstCode);
      expect(await tab.getByTestId('usage-card').getAttribute('data-status')).toBe('active');

      const counter = await signInCounterSystem(short.origin);
      const refused = await counter.getLicense(firstCode);
      expect(refused.ack_code).toBe('FAILURE');
      expect(refused.errors?.[0]?.code).toBe('AUTH_CODE_REVOKED');

      // The fresh code is followed live like the first one.
      expect((await counter.getLicense(secondCode)).ack_code).toBe('SUCCESS');
      await tab.getByTestId('usage-used').waitFor({ timeout: 2000 });
    } finally {
      await ctx.close();
      await short.stop();
    }
  });
});
