// Issue 12's Done-when: the app on one site (https://localhost), a portal on another
// (https://portal.test), both over HTTPS with a throw-away certificate, third-party cookies
// blocked in Chromium. The portal mounts the app with the SDK, the citizen signs in through the
// popup on the provider's real login page, authorises a use for a service item, and the
// portal's back end redeems the code upstream with its own access system; `resize` keeps the
// frame the height of its content; a portal not in FRAME_ANCESTORS cannot frame the app.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { freePort, launchBrowser, phoneContext, seriousA11yProblems, startApp, type RunningApp } from '../support/e2e.ts';
import { makeTls, startTlsProxy, type ThrowAwayTls } from '../support/tls.ts';
import { DEMO_PASSWORD } from '../../src/sandbox/demo-data.ts';
// @ts-expect-error -- a plain .mjs script (npm run demo:portal) without type declarations
import { startPortal } from '../../scripts/demo-portal.mjs';

type Portal = { origin: string; close: () => Promise<void> };
/** Patient under load: two cores shared by several suites. */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000 });
interface Seen { origin: string; data: { source?: string; type?: string; [k: string]: unknown } }

let tls: ThrowAwayTls;
let proxy: Awaited<ReturnType<typeof startTlsProxy>>;
let app: RunningApp;
let appOrigin: string;
let portal: Portal;
let evil: Portal;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  tls = makeTls(['localhost', 'portal.test', 'evil.test']);
  const tlsPort = await freePort();
  appOrigin = `https://localhost:${tlsPort}`;
  proxy = await startTlsProxy(tls, tlsPort);
  const portalPort = await freePort();
  const portalOrigin = `https://portal.test:${portalPort}`;
  app = await startApp({ PUBLIC_ORIGIN: appOrigin, FRAME_ANCESTORS: portalOrigin, NODE_EXTRA_CA_CERTS: tls.caFile });
  proxy.setTarget(app.origin);
  const upstreamUrl = `${app.origin}/sandbox/license-app/v1`;
  portal = await startPortal({ tls, port: portalPort, publicHost: 'portal.test', appOrigin, upstreamUrl }) as Portal;
  expect(portal.origin).toBe(portalOrigin);
  evil = await startPortal({ tls, port: 0, publicHost: 'evil.test', appOrigin, upstreamUrl }) as Portal;
  browser = await launchBrowser([
    '--host-resolver-rules=MAP portal.test 127.0.0.1, MAP evil.test 127.0.0.1',
    '--ignore-certificate-errors',
    // Chromium's switch for the third-party-cookie phase-out: unpartitioned cookies stay out of frames.
    '--test-third-party-cookie-phaseout',
  ]);
});

/** A fresh browser profile each test: no test leans on another's cookies. */
async function freshContext(): Promise<BrowserContext> {
  const context = await phoneContext(browser, { ignoreHTTPSErrors: true });
  contexts.push(context);
  return context;
}

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await portal?.close();
  await evil?.close();
  await app?.stop();
  await proxy?.close();
  tls?.dispose();
});

/** Every message the portal page receives, with the origin the browser vouches for. */
async function recordMessages(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { seen: unknown[] };
    w.seen = [];
    window.addEventListener('message', (e) => w.seen.push({ origin: e.origin, data: e.data }));
  });
}
const seen = (page: Page) => page.evaluate(() => (window as unknown as { seen: Seen[] }).seen);
const types = async (page: Page) => (await seen(page)).map((m) => m.data.type);

/** The citizen taps sign-in in the frame and finishes on the provider's page in the popup. */
async function signInThroughPopup(context: BrowserContext, frame: Frame): Promise<void> {
  const popupOpened = context.waitForEvent('page');
  await frame.getByRole('button', { name: '在新窗口中登录' }).click();
  const popup = await popupOpened;
  await popup.waitForURL((u) => u.pathname.startsWith('/sandbox/idp/'));
  await popup.locator('#account').fill('zhangsan');
  await popup.locator('#password').fill(DEMO_PASSWORD);
  const closed = popup.waitForEvent('close');
  await popup.getByRole('button', { name: '登录' }).click();
  await closed;
}

async function mountFromPortal(context: BrowserContext, origin: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${origin}/`);
  await recordMessages(page);
  await page.getByRole('button', { name: '打开电子证照' }).click();
  return page;
}

async function appFrame(page: Page): Promise<Frame> {
  await poll(() => page.frames().some((f) => f.url().startsWith(`${appOrigin}/`))).toBe(true);
  return page.frames().find((f) => f.url().startsWith(`${appOrigin}/`))!;
}

describe('the app inside a portal on another site', () => {
  it('signs in through a popup, authorises a use for a service item, and the portal redeems the code', async () => {
    const context = await freshContext();
    // An unpartitioned cookie of the app's site, to show the browser keeps such cookies out of frames.
    await context.addCookies([{ name: 'probe', value: 'first-party', domain: 'localhost', path: '/', secure: true, sameSite: 'None' }]);
    const page = await mountFromPortal(context, portal.origin);

    const frame = await appFrame(page);
    await poll(() => types(page)).toEqual(expect.arrayContaining(['ready', 'login-required']));
    expect(await frame.evaluate(() => document.cookie)).not.toContain('probe');
    await poll(() => frame.getByRole('heading', { name: '登录电子证照' }).isVisible()).toBe(true);
    expect(await seriousA11yProblems(frame)).toEqual([]);

    await signInThroughPopup(context, frame);
    await poll(() => types(page)).toContain('signed-in');
    await poll(() => frame.getByRole('heading', { name: '为“就业登记”选择证照' }).isVisible()).toBe(true);
    // The frame's own session, in the portal's partition, works for API calls.
    expect(await frame.evaluate(() => fetch('/api/session').then((r) => r.status))).toBe(200);
    expect(await seriousA11yProblems(frame)).toEqual([]);

    await frame.getByRole('radio', { name: /学历证书/ }).check();
    await frame.getByTestId('consent-confirm').click();
    await poll(() => frame.getByTestId('embed-authorised').isVisible()).toBe(true);
    // No counter QR in this flow.
    expect(await frame.locator('[data-testid="usage-qr"]').count()).toBe(0);

    await poll(() => types(page)).toContain('authorised');
    const messages = await seen(page);
    const ours = messages.filter((m) => m.data?.source === 'ecert-holder');
    expect(ours.every((m) => m.origin === appOrigin)).toBe(true);
    const authorised = ours.find((m) => m.data.type === 'authorised')!.data;
    expect(authorised).toMatchObject({
      serviceItemCode: 'DC-JY-0001',
      licenseItemCode: '100011001000071135110006',
      authCode: expect.stringMatching(/^[A-Za-z0-9_-]{22,}$/),
      authorisationId: expect.any(String),
    });
    expect(Date.parse(String(authorised.expiresAt))).toBeGreaterThan(Date.now());

    // The portal's back end redeemed it upstream as 北京市东城区政务服务中心's access system.
    await poll(() => page.locator('#result').getAttribute('data-state')).toBe('redeemed');
    expect(await page.locator('#result').textContent()).toContain('学历证书');

    // resize: the frame is exactly as tall as the app's content, with no scrollbar inside.
    const heights = ours.filter((m) => m.data.type === 'resize').map((m) => m.data.height);
    expect(new Set(heights).size).toBeGreaterThan(1);
    await poll(async () => {
      const content = await frame.evaluate(() => Math.ceil(document.querySelector('.app-root')!.getBoundingClientRect().height));
      const box = await page.locator('#ecert iframe').evaluate((el) => el.getBoundingClientRect().height);
      return Math.abs(box - content);
    }).toBeLessThanOrEqual(1);
    expect(await frame.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight + 1)).toBe(true);
    expect(await seriousA11yProblems(frame)).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('sends login-required when the frame session is gone, and signs in the same way back to where it was', async () => {
    const context = await freshContext();
    const page = await mountFromPortal(context, portal.origin);
    const frame = await appFrame(page);
    await signInThroughPopup(context, frame);
    await poll(() => frame.getByRole('heading', { name: '为“就业登记”选择证照' }).isVisible()).toBe(true);

    // The session ends on the server's side (as at its idle or absolute expiry): its cookie is gone.
    await context.clearCookies();
    const before = (await types(page)).length;
    // The host asks for the history page (a host message, accepted from this allowed origin).
    await page.evaluate(([target]) => {
      document.querySelector<HTMLIFrameElement>('#ecert iframe')!.contentWindow!.postMessage({ source: 'ecert-holder-host', type: 'navigate', path: '/history' }, target!);
    }, [appOrigin]);
    await poll(async () => (await types(page)).slice(before)).toContain('login-required');
    await poll(() => frame.getByRole('heading', { name: '登录电子证照' }).isVisible()).toBe(true);
    expect(new URL(frame.url()).searchParams.get('return_to')).toBe('/history');

    await signInThroughPopup(context, frame);
    await poll(async () => (await types(page)).slice(before)).toContain('signed-in');
    await poll(() => new URL(frame.url()).pathname).toBe('/history');
  }, 120_000);

  it('explains a blocked popup and offers the app in a page of its own', async () => {
    const context = await freshContext();
    const page = await mountFromPortal(context, portal.origin);
    const frame = await appFrame(page);
    await poll(() => frame.getByRole('heading', { name: '登录电子证照' }).isVisible()).toBe(true);
    // What a browser's popup blocker does to window.open.
    await frame.evaluate(() => {
      window.open = () => null;
    });
    await frame.getByRole('button', { name: '在新窗口中登录' }).click();
    await poll(() => frame.getByRole('alert').textContent()).toContain('浏览器拦截了登录窗口');
    const fallback = frame.getByRole('link', { name: '在新页面中打开电子证照' });
    expect(await fallback.getAttribute('target')).toBe('_blank');
    expect(await fallback.getAttribute('href')).toBe('/embed/authorise?serviceItemCode=DC-JY-0001');
    expect(await seriousA11yProblems(frame)).toEqual([]);
  }, 120_000);

  it('is refused by the browser inside a portal that FRAME_ANCESTORS does not name', async () => {
    const context = await freshContext();
    const page = await context.newPage();
    const refused = page.waitForEvent('console', (m) => /frame-ancestors/.test(m.text()));
    await page.goto(`${evil.origin}/`);
    await recordMessages(page);
    await page.getByRole('button', { name: '打开电子证照' }).click();
    await refused;
    await page.locator('#ecert iframe').evaluate((el) => new Promise((resolve) => {
      if ((el as HTMLIFrameElement).contentDocument === null) resolve(true);
      el.addEventListener('load', () => resolve(true), { once: true });
    }));
    expect(await seen(page)).toEqual([]);
    expect(page.frames().some((f) => f.url().startsWith(`${appOrigin}/embed`))).toBe(false);
  }, 120_000);

  it('serves the SDK to other sites as a cacheable, CORS-free script with its types', async () => {
    const js = await fetch(`${app.origin}/embed.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(js.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const source = await js.text();
    expect(source).toMatch(/EcertHolder/);
    expect(source).not.toMatch(/postMessage\([^)]*'\*'/);
    const dts = await fetch(`${app.origin}/embed.d.ts`);
    expect(await dts.text()).toMatch(/'login-required'/);
  });
});
