// The wallet, certificate detail and mobile view pages in Chromium at 390x844 against the real
// server and its embedded sandbox, signed in through the provider's own login page.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { seriousA11yProblems, signIn } from '../support/e2e.ts';
import { phoneTestbed, screenshot } from './ux-support.ts';

const bed = phoneTestbed();
const app = { get origin() { return bed.app().origin; } };

async function signedInPage(account: string): Promise<Page> {
  const page = await bed.newPage();
  await signIn(page, app.origin, account);
  await page.waitForURL(`${app.origin}/`);
  return page;
}

describe("zhangsan's wallet", () => {
  let page: Page;
  beforeAll(async () => {
    page = await signedInPage('zhangsan');
  });

  it('lists his certificates with their states in words', async () => {
    const cards = page.locator('.license-card');
    await cards.first().waitFor();
    expect(await cards.count()).toBeGreaterThan(3);
    const states = await page.locator('.license-card .state-badge').allTextContents();
    expect(states.filter((s) => s === '已过期')).toHaveLength(1);
    expect(states.filter((s) => s === '已废止')).toHaveLength(1);
    expect(states.filter((s) => /^30天内到期，剩\d+天$/.test(s))).toHaveLength(1);
    expect(states).toContain('有效');
    expect(await seriousA11yProblems(page)).toEqual([]);
  });

  it('leads each card with the number printed on the document, and sends an abolished one only to its successor', async () => {
    const wallet = (await page.locator('main').textContent()) ?? '';
    expect(wallet).toContain('J110101-2018-001234');
    expect(wallet).toContain('京(2020)东城区不动产权第0012345号');
    expect(wallet).not.toContain('1.2.156');

    await page.locator('.license-card', { hasText: '已废止' }).getByRole('link').click();
    await page.waitForURL(/\/licenses\//);
    const actions = page.locator('.detail__actions');
    await expect.poll(() => actions.locator('a, button').allTextContents(), { timeout: 15_000 }).toEqual(['查看替代证照']);
    await actions.getByRole('link', { name: '查看替代证照' }).click();
    await expect.poll(() => page.locator('.detail__head .state-badge').textContent(), { timeout: 15_000 }).toBe('有效');
    expect(await page.locator('.detail__number').textContent()).toMatch(/京\(\d{4}\)东城区不动产权第0034567号/);
    expect(await page.locator('main').textContent()).not.toContain('1.2.156');
    await page.goto(`${app.origin}/`);
  });

  it('refreshes from the 刷新 button and says so to screen readers', async () => {
    await page.getByRole('button', { name: '刷新' }).click();
    await expect.poll(() => page.locator('.wallet [role="status"]').textContent(), { timeout: 15_000 }).toMatch(/^已更新，共 \d+ 个证照$/);
  });

  it('opens a detail with the identity number masked, and reveals it only after confirmation', async () => {
    await page.getByRole('link', { name: '居民户口簿' }).click();
    await page.waitForURL(/\/licenses\//);
    const masked = page.locator('.field-list__value', { hasText: /^\s*\d{4}\*+\d{3}[\dX]/ });
    await expect.poll(() => masked.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.locator('main').textContent()).not.toContain('110101199003071233');
    expect(await seriousA11yProblems(page)).toEqual([]);

    await page.getByRole('button', { name: '显示' }).click();
    const dialog = page.locator('.van-dialog');
    await expect.poll(() => dialog.textContent(), { timeout: 15_000 }).toContain('将显示完整的身份证号等敏感信息，请注意周围环境');
    await dialog.getByRole('button', { name: '显示' }).click();
    await expect.poll(() => page.locator('main').textContent(), { timeout: 15_000 }).toContain('110101199003071233');
    expect(await page.locator('[role="status"]', { hasText: '已显示完整信息' }).count()).toBe(1);
  });

  it('refuses to authorise an expired certificate and says why', async () => {
    await page.goto(`${app.origin}/`);
    await page.locator('.license-card', { hasText: '已过期' }).getByRole('link').click();
    await page.waitForURL(/\/licenses\//);
    const authorise = page.getByRole('button', { name: '授权使用' });
    await expect.poll(() => authorise.isDisabled(), { timeout: 15_000 }).toBe(true);
    expect(await page.locator('main').textContent()).toContain('证照已过期，无法授权使用');
  });

  it('opens the mobile view page with a watermark naming him, and refuses a made-up token', async () => {
    await page.goto(`${app.origin}/`);
    await page.getByRole('link', { name: '居民户口簿' }).click();
    await page.getByRole('button', { name: '在手机上查看' }).click();
    // Before the link opens, the holder is told that anyone with it can see the certificate until a given time.
    const warning = page.getByRole('dialog');
    await warning.waitFor();
    expect(await warning.textContent()).toMatch(/在 \d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})? 前，任何拿到这个链接的人都能看到这张证照的全部内容/);
    await screenshot(page, 'mobile-view-warning');
    await page.getByRole('button', { name: '我知道了，打开' }).click();
    await page.waitForURL(/\/m\/license\?license_access_token=/);
    await expect.poll(() => page.locator('.mview__name').textContent(), { timeout: 15_000 }).toBe('居民户口簿');
    expect(await page.locator('.watermark__item').first().getAttribute('data-text')).toMatch(/^张\* \d{4}-\d{2}-\d{2} \d{2}:\d{2} 查看$/);
    expect(await page.locator('main').textContent()).toMatch(/本查看链接将于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 失效/);
    expect(await seriousA11yProblems(page)).toEqual([]);

    await page.goto(`${app.origin}/m/license?license_access_token=not-a-real-token`);
    await expect.poll(() => page.getByRole('heading', { name: '访问令牌已过期或无效' }).isVisible(), { timeout: 15_000 }).toBe(true);
  });
});

describe("王五's wallet", () => {
  it('explains that there are no certificates yet and that paper documents remain valid', async () => {
    const page = await signedInPage('wangwu');
    await expect.poll(() => page.getByRole('heading', { name: '暂无电子证照' }).isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await page.locator('main').textContent()).toContain('纸质证件仍然有效');
  });
});
