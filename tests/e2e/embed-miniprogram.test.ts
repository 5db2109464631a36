// Issue 12: inside a WeChat mini-program web-view (its user agent and __wxjs_environment set,
// WeChat's native bridge stubbed at the window level, the real weixin-js-sdk from our bundle on
// top of it): the adapted pages, and the bridge calls that hand `authorised` to the mini-program
// and go back. Without the bridge everything still works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, phoneContext, seriousA11yProblems, startApp, type RunningApp } from '../support/e2e.ts';
import { DEMO_PASSWORD } from '../../src/sandbox/demo-data.ts';

const WECHAT_MP_UA = 'Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160083 MMWEBSDK/20240301 MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64 miniProgram/wx1234567890abcdef';

/** WeChat's native side as a web-view page sees it: records every call, answers ok. */
const STUB_BRIDGE = `
  window.__wxjs_environment = 'miniprogram';
  window.bridgeCalls = [];
  window.WeixinJSBridge = {
    invoke: function (name, args, cb) { window.bridgeCalls.push({ name: name, api: args && args.name, arg: args && args.arg }); if (cb) cb({ err_msg: name + ':ok' }); },
    on: function () {},
  };
`;

interface BridgeCall { name: string; api?: string; arg?: Record<string, unknown> }
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000 });

let app: RunningApp;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
});
afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await app?.stop();
});

async function webView(withBridge: boolean): Promise<Page> {
  const context = await phoneContext(browser, { userAgent: WECHAT_MP_UA });
  contexts.push(context);
  if (withBridge) await context.addInitScript(STUB_BRIDGE);
  else await context.addInitScript("window.__wxjs_environment = 'miniprogram';");
  return context.newPage();
}

/** What a mini-program's <web-view src> opens: straight to a service item; signs in top-level. */
async function authoriseInWebView(page: Page): Promise<void> {
  await page.goto(`${app.origin}/embed?serviceItemCode=DC-JY-0001`);
  await poll(() => page.getByRole('heading', { name: '登录电子证照' }).isVisible()).toBe(true);
  expect(await seriousA11yProblems(page)).toEqual([]);
  await page.getByRole('button', { name: '统一身份认证登录' }).click();
  await page.locator('#account').fill('zhangsan');
  await page.locator('#password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => u.pathname === '/embed/authorise');
  await poll(() => page.getByRole('heading', { name: '为“就业登记”选择证照' }).isVisible()).toBe(true);
  expect(await page.evaluate(() => document.documentElement.classList.contains('miniprogram'))).toBe(true);
  expect(await seriousA11yProblems(page)).toEqual([]);
  await page.getByRole('radio', { name: /学历证书/ }).check();
  await page.getByTestId('consent-confirm').click();
  await poll(() => page.getByTestId('embed-authorised').isVisible()).toBe(true);
}

describe('inside a WeChat mini-program web-view', () => {
  it('hands `authorised` to the mini-program through its bridge and goes back through it', async () => {
    const page = await webView(true);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await authoriseInWebView(page);
    expect(await page.locator('[data-testid="usage-qr"]').count()).toBe(0);
    const calls = () => page.evaluate(() => (window as unknown as { bridgeCalls: BridgeCall[] }).bridgeCalls);
    await poll(async () => (await calls()).map((c) => c.api)).toContain('postMessage');
    const posted = (await calls()).find((c) => c.api === 'postMessage')!;
    expect(posted.name).toBe('invokeMiniProgramAPI');
    expect(posted.arg).toMatchObject({ source: 'ecert-holder', type: 'authorised', serviceItemCode: 'DC-JY-0001', licenseItemCode: '100011001000071135110006', authCode: expect.any(String) });
    expect(await seriousA11yProblems(page)).toEqual([]);

    // WeChat delivers web-view messages when the page goes back: the button does that.
    await page.getByRole('button', { name: '返回小程序' }).click();
    await poll(async () => (await calls()).map((c) => c.api)).toContain('navigateBack');
    expect(errors).toEqual([]);
  }, 120_000);

  it('offers no camera or download page, and says so', async () => {
    const page = await webView(true);
    await page.goto(`${app.origin}/counter`);
    await page.waitForURL((u) => u.pathname === '/embed/unavailable');
    expect(await page.getByRole('alert').textContent()).toContain('请在浏览器中使用柜台页面');
    expect(await page.getByText('在手机上查看').count()).toBeGreaterThan(0);
    expect(await seriousA11yProblems(page)).toEqual([]);
    await page.getByRole('button', { name: '返回小程序' }).click();
    await poll(() => page.evaluate(() => (window as unknown as { bridgeCalls: BridgeCall[] }).bridgeCalls.map((c) => c.api))).toContain('navigateBack');
  }, 120_000);

  it('still signs in and authorises when the bridge never answers', async () => {
    const page = await webView(false);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await authoriseInWebView(page);
    expect(errors).toEqual([]);
  }, 120_000);
});
