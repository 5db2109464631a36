// Issue 15 in Chromium against the real server: an en-US browser opens in English with English
// dates and an explicit choice sticks; signing out takes the certificates off the screen at once;
// a lost session says 登录已过期; each failed sign-in has its own page with a retry and a way home.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/sandbox/demo-data.ts';
import { signIn } from '../support/e2e.ts';
import { phoneTestbed, screenshot, SCREENS_DIR } from './ux-support.ts';

const bed = phoneTestbed();
const newPage = bed.newPage;
let origin = '';
beforeAll(() => {
  origin = bed.app().origin;
});
afterAll(() => console.log(`Screenshots of the key screens: ${SCREENS_DIR}`));

async function zhangsanWallet(): Promise<Page> {
  const page = await newPage();
  await signIn(page, origin, 'zhangsan');
  await page.waitForURL(`${origin}/`);
  await page.locator('.license-card').first().waitFor();
  return page;
}

const ISO_DATE = /\b\d{4}-\d{2}-\d{2}\b/;
const ENGLISH_DATE = /\b[A-Z][a-z]{2} \d{1,2}, \d{4}\b/;

describe('an en-US browser', () => {
  it('opens in English with English dates, and keeps Chinese once the holder chooses it', async () => {
    const page = await newPage({ locale: 'en-US' });
    await page.goto(`${origin}/`);
    await page.waitForURL(/\/login/);
    await page.getByRole('heading', { name: 'Unified identity sign-in' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await screenshot(page, 'en-login');

    await page.getByRole('button', { name: 'Unified identity sign-in' }).click();
    await page.locator('#account').fill('zhangsan');
    await page.locator('#password').fill(DEMO_PASSWORD);
    await page.locator('button[type="submit"]').click();
    await page.waitForURL(`${origin}/`);
    await page.locator('.license-card').first().waitFor();
    expect(await page.locator('h1').textContent()).toBe('My e-certificates');
    const wallet = (await page.locator('main').textContent()) ?? '';
    expect(wallet).toMatch(ENGLISH_DATE);
    expect(wallet).not.toMatch(ISO_DATE);
    await screenshot(page, 'en-wallet');

    await page.getByRole('link', { name: '结婚证', exact: true }).click();
    await page.locator('.detail__head').waitFor();
    const detail = (await page.locator('main').textContent()) ?? '';
    expect(detail).toContain('May 20, 2018');
    expect(detail).not.toMatch(ISO_DATE);
    await screenshot(page, 'en-detail');

    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('dialog').getByRole('button', { name: /Language/ }).click();
    await page.getByRole('heading', { level: 1, name: '证照详情' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: '证照详情' }).waitFor();
    await page.locator('.detail__head').waitFor();
    expect(await page.locator('main').textContent()).toContain('2018-05-20');
  });
});

describe('when a session ends', () => {
  it('takes the certificates off the screen the moment the holder signs out', async () => {
    const page = await zhangsanWallet();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    // Hold the sign-out request so the page can be seen while it is under way.
    await page.route('**/auth/logout', async (route) => {
      await held;
      await route.continue();
    });
    await page.getByRole('button', { name: '菜单' }).click();
    await page.getByRole('dialog').getByRole('button', { name: '退出登录' }).click();
    await expect.poll(() => page.locator('.license-card').count(), { timeout: 15_000 }).toBe(0);
    expect(await page.locator('main').isVisible()).toBe(false);
    await screenshot(page, 'signing-out');
    release();
    await page.waitForURL((u) => u.pathname === '/login' || u.pathname.startsWith('/sandbox/idp/'));
    if (new URL(page.url()).pathname !== '/login') {
      await page.getByRole('button', { name: '确认退出' }).click();
      await page.waitForURL((u) => u.pathname === '/login');
    }
    // Signed out on purpose: no "expired" message.
    await page.getByRole('button', { name: '统一身份认证登录' }).waitFor();
    expect(await page.getByText('登录已过期，请重新登录').count()).toBe(0);
  });

  it('says 登录已过期，请重新登录 when the session is lost, with the certificates gone', async () => {
    const page = await zhangsanWallet();
    await page.context().clearCookies();
    await page.getByRole('button', { name: '刷新' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    await page.getByText('登录已过期，请重新登录').waitFor();
    expect(await page.locator('.license-card').count()).toBe(0);
    expect(new URL(page.url()).searchParams.get('return_to')).toBe('/');
    await screenshot(page, 'session-lost');
  });
});

describe('a failed sign-in', () => {
  let page: Page;
  beforeAll(async () => {
    page = await newPage();
  });

  it.each([
    ['cancelled', '您已取消登录'],
    ['expired', '登录请求已过期'],
    ['claims', '无法确认您的身份'],
    ['provider', '统一身份认证平台暂时无法使用'],
    ['state', '登录请求已失效'],
    ['something-else', '登录未完成'],
  ])('?error=%s has its own page: %s', async (code, title) => {
    await page.goto(`${origin}/login?error=${code}`);
    await page.getByRole('heading', { name: title }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain(title);
    expect(await page.getByRole('button', { name: '重新登录' }).isVisible()).toBe(true);
    await page.getByRole('link', { name: '返回首页' }).click();
    await page.waitForURL((u) => u.pathname === '/login' && !u.searchParams.has('error'));
    await page.getByRole('button', { name: '统一身份认证登录' }).waitFor();
  });

  it('tries again from the failure page through the identity platform', async () => {
    await page.goto(`${origin}/login?error=cancelled`);
    await screenshot(page, 'login-failed');
    await page.getByRole('button', { name: '重新登录' }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/sandbox/idp/'));
  });
});
