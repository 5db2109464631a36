import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, phoneContext, startApp, type RunningApp } from '../support/e2e.ts';

let app: RunningApp;
let browser: Browser;

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('the H5 shell in a phone browser', () => {
  it('opens in Chinese with no CSP violation, and switches to English', async () => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    const problems: string[] = [];
    // The header asks who is signed in; the browser logs that 401 as a failed resource. Anything
    // else logged as an error (a CSP violation, a script error) is a problem.
    page.on('console', (m) => m.type() === 'error' && !/status of 401/.test(m.text()) && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));

    await page.goto(`${app.origin}/no-such-page`);
    await expect.poll(() => page.locator('h1').textContent()).toContain('页面不存在');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');

    await page.getByRole('button', { name: 'English' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toContain('Page not found');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('what the server answers besides pages', () => {
  it('answers /healthz and gives unknown API paths a JSON 404, not the app', async () => {
    const health = await fetch(`${app.origin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const unknown = await fetch(`${app.origin}/api/no-such-thing`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/json');
    expect((await unknown.json()).error.code).toBe('NOT_FOUND');

    // A client that accepts no compression (a probe, curl) still gets the page, from / too.
    const root = await fetch(`${app.origin}/`, { headers: { 'accept-encoding': 'identity' } });
    expect(root.status).toBe(200);
    expect(root.headers.get('content-encoding')).toBeNull();
    expect(await root.text()).toContain('<div id="app">');

    const page = await fetch(`${app.origin}/history`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});
