// Issue 6's Done-when, in Chromium against the real server with its embedded sandbox: the
// holder's QR (a screenshot of the holder flow's own QR element) becomes a fake camera for a
// second Chromium, where staff01 scans it and sees 张三's certificate and its archive PDF; the
// holder's history then shows the use. Also: the photo fallback reads a qrencode image, a code
// another organisation redeemed is explained, and an anonymous /c/{code} visit reveals nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, phoneContext, signIn, startApp, type RunningApp } from '../support/e2e.ts';
import { loginAtIdp } from '../support/idp-login.ts';
import { SandboxClient } from '../support/sandbox-client.ts';

const run = promisify(execFile);
const QR_LABEL = '用证二维码，供工作人员扫描';

let app: RunningApp;
let dir: string;
let holderBrowser: Browser;
let staffBrowser: Browser | undefined;
let holder: Page;
let staff: Page;
let staffContext: BrowserContext;
/** Requests the staff page sent anywhere but our origin (blob: and data: are local). */
const external: string[] = [];
const problems: string[] = [];


/** The holder flow: authorise 居民户口簿 for 户籍业务办理 and screenshot the QR it shows. */
async function holderQr(file: string): Promise<string> {
  await holder.goto(`${app.origin}/`);
  await holder.getByRole('link', { name: '居民户口簿' }).click();
  // The detail page's action (its wording belongs to the holder pages).
  await holder.locator('a, button', { hasText: /^\s*授权(用证|使用)\s*$/ }).first().click();
  await holder.waitForURL(/\/authorise$/);
  await holder.getByRole('radio', { name: /户籍业务办理/ }).check();
  await holder.getByTestId('sensitive-consent').check();
  await holder.getByTestId('consent-confirm').click();
  await holder.waitForURL(/\/usage\/[^/]+$/);
  const qr = holder.getByRole('img', { name: QR_LABEL });
  await qr.waitFor();
  await qr.screenshot({ path: file });
  const { stdout } = await run('zbarimg', ['--raw', '-q', file]);
  return stdout.trim();
}

/** A fresh code for 张三's 结婚证, straight from license/holder with his real credential. */
async function mintMarriageCode(serviceItemCode = 'DC-HJ-0001'): Promise<string> {
  const tokens = await loginAtIdp({
    issuer: `${app.origin}/sandbox/idp`, clientId: 'ecert-holder-bff', clientSecret: 'ecert-holder-bff-dev-secret',
    redirectUri: `${app.origin}/auth/callback`, account: 'zhangsan', password: 'demo123456',
  });
  const holderApp = await new SandboxClient(`${app.origin}/sandbox/license-app/v1`).login('holder-h5');
  const env = await holderApp.post('/license/holder', { service_item_code: serviceItemCode, credential: tokens.access_token, cas_no: 'oidc' });
  const i = (env.data as Array<{ name: string }>).findIndex((l) => l.name.includes('结婚'));
  const code = env.auth_codes?.[i];
  if (!code) throw new Error('no marriage certificate code');
  return code;
}

async function startCase(bizNum: string): Promise<void> {
  await staff.locator('#counter-biz-num').fill(bizNum);
  await staff.locator('#counter-service-item').selectOption('DC-HJ-0001');
  await staff.getByRole('button', { name: '开始办件' }).click();
  await staff.getByRole('tab', { name: '扫码核验' }).waitFor();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecert-counter-'));
  [app, holderBrowser] = await Promise.all([startApp(), launchBrowser()]);
  holder = await (await phoneContext(holderBrowser)).newPage();
});

afterAll(async () => {
  await staffBrowser?.close();
  await holderBrowser?.close();
  await app?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the counter scans the QR the holder shows', () => {
  it("reads the holder's QR through the camera, shows 张三's data, downloads the archive PDF, and the holder sees the use", async () => {
    await signIn(holder, app.origin, 'zhangsan', '/');
    await holder.waitForURL(`${app.origin}/`);
    const png = join(dir, 'qr.png');
    const qrUrl = await holderQr(png);
    expect(qrUrl).toMatch(new RegExp(`^${app.origin}/c/[A-Za-z0-9_-]{16,}$`));

    const y4m = join(dir, 'qr.y4m');
    await run('ffmpeg', ['-loglevel', 'error', '-loop', '1', '-i', png, '-t', '3', '-r', '10', '-vf',
      'scale=400:400:flags=neighbor,pad=640:480:(ow-iw)/2:(oh-ih)/2:color=white,format=yuv420p', '-f', 'yuv4mpegpipe', y4m]);
    staffBrowser = await launchBrowser(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`]);
    staffContext = await phoneContext(staffBrowser, { acceptDownloads: true });
    staff = await staffContext.newPage();
    staff.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(`${app.origin}/`) && !url.startsWith('blob:') && !url.startsWith('data:')) external.push(url);
    });
    staff.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    staff.on('pageerror', (e) => problems.push(e.message));
    const wasm: string[] = [];
    const scripts: string[] = [];
    staff.on('response', (r) => r.url().endsWith('.wasm') && wasm.push(`${r.status()} ${r.headers()['content-type']}`));
    staff.on('request', (r) => r.resourceType() === 'script' && scripts.push(new URL(r.url()).pathname));

    await signIn(staff, app.origin, 'staff01', '/counter');
    await staff.waitForURL(`${app.origin}/counter`);
    await staff.getByText('纸质证件或材料的，仍然照常受理').waitFor();
    await startCase('DC2026-000777');

    // The decoder is a chunk of its own, fetched only when the camera is asked for.
    expect(scripts.filter((p) => /ponyfill/.test(p))).toEqual([]);
    await staff.getByRole('button', { name: '打开摄像头扫码' }).click();
    const title = staff.locator('#counter-result-title');
    await title.waitFor({ timeout: 20_000 });
    expect(await title.textContent()).toContain('居民户口簿');
    const result = staff.locator('.counter-result');
    expect(await result.textContent()).toContain('张三');
    expect(await result.textContent()).toContain('1101**********1233');
    await expect.poll(() => staff.locator('#counter-announce').textContent()).toContain('核验成功：张三 的居民户口簿');
    // The camera was released once the code was read.
    expect(await staff.evaluate(() => (document.querySelector('video') as HTMLVideoElement | null)?.srcObject ?? null)).toBeNull();

    const [download] = await Promise.all([
      staff.waitForEvent('download'),
      staff.getByRole('button', { name: '下载归档文件（PDF）' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^DC2026-000777_.*\.pdf$/);
    const file = join(dir, 'archive.pdf');
    await download.saveAs(file);
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect((await PDFDocument.load(bytes)).getPageCount()).toBeGreaterThan(0);

    await holder.goto(`${app.origin}/history`);
    await holder.getByTestId('history-list').waitFor();
    // The uses sit inside their authorisation, in plain words (issue 15).
    await expect.poll(async () => holder.getByTestId('history-list').textContent(), { timeout: 10_000 }).toContain('窗口查看了证照信息');
    expect(await holder.getByTestId('history-list').textContent()).toContain('下载了证照文件');

    // Chromium on Linux has no BarcodeDetector: the zxing-wasm decoder and its wasm came from us,
    // and nothing else left the origin or broke the CSP.
    expect(scripts.filter((p) => /ponyfill/.test(p))).toHaveLength(1);
    expect(wasm).toEqual(['200 application/wasm']);
    expect(external).toEqual([]);
    expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
  });

  it('reads a qrencode image through the photo fallback', async () => {
    const code = await mintMarriageCode();
    const png = join(dir, 'upload.png');
    await run('qrencode', ['-s', '10', '-o', png, `${app.origin}/c/${code}`]);
    await staff.getByRole('button', { name: '下一位' }).click();
    await startCase('DC2026-000778');
    await staff.locator('.counter-upload__input').setInputFiles(png);
    const title = staff.locator('#counter-result-title');
    await title.waitFor();
    expect(await title.textContent()).toContain('结婚证');
    expect(await staff.locator('.counter-result').textContent()).toContain('张三');
  });

  it("explains a code the holder authorised for another organisation's item", async () => {
    // 不动产转移登记 belongs to 朝阳区不动产登记中心: DB11/T 2290 6.6 keeps the code there.
    const code = await mintMarriageCode('CY-BDC-0001');
    await staff.getByRole('button', { name: '继续扫码' }).click();
    await staff.getByRole('button', { name: '关闭摄像头' }).click();
    await staff.locator('#counter-manual-code').fill(code);
    await staff.getByRole('button', { name: '核验', exact: true }).click();
    await expect.poll(() => staff.locator('#counter-failure').textContent()).toContain('请持证人重新授权');
  });

  it('takes signed-in staff from /c/{code} straight to the redemption, without the code in the address', async () => {
    const code = await mintMarriageCode();
    await staff.goto(`${app.origin}/c/${code}`);
    await staff.waitForURL(`${app.origin}/counter`);
    await staff.locator('#counter-result-title').waitFor();
    expect(await staff.locator('#counter-result-title').textContent()).toContain('结婚证');
    expect(staff.url()).not.toContain(code);
    expect(external).toEqual([]);
  });
});

describe('when the camera cannot be used', () => {
  it('explains a refused camera permission with steps, and keeps the photo and typed fallbacks', async () => {
    const denied = await launchBrowser(['--use-fake-device-for-media-stream', '--deny-permission-prompts']);
    try {
      const page = await (await phoneContext(denied)).newPage();
      await signIn(page, app.origin, 'staff01', '/counter');
      await page.waitForURL(`${app.origin}/counter`);
      await page.locator('#counter-biz-num').fill('DC2026-000779');
      await page.locator('#counter-service-item').selectOption('DC-HJ-0001');
      await page.getByRole('button', { name: '开始办件' }).click();
      await page.getByRole('button', { name: '打开摄像头扫码' }).click();
      const alert = page.getByRole('alert').filter({ hasText: '没有摄像头权限' });
      await alert.waitFor();
      expect(await alert.locator('li').count()).toBe(3);
      expect(await page.getByRole('button', { name: '重试' }).isVisible()).toBe(true);
      expect(await page.locator('.counter-upload__input').count()).toBe(1);
      expect(await page.locator('#counter-manual-code').isVisible()).toBe(true);
    } finally {
      await denied.close();
    }
  });
});

describe('the code landing page for anyone else', () => {
  it('says what the code is, offers staff sign-in, and makes no call with the code', async () => {
    const code = await mintMarriageCode();
    const context = await phoneContext(holderBrowser);
    const page = await context.newPage();
    const api: string[] = [];
    page.on('request', (r) => r.url().includes('/api/') && api.push(new URL(r.url()).pathname));
    await page.goto(`${app.origin}/c/${code}`);
    await page.getByRole('heading', { name: '这是电子证照用证码' }).waitFor();
    expect(await page.textContent('main')).toContain('请在办事窗口出示，由工作人员扫码核验');
    expect(await page.textContent('main')).not.toContain('张三');
    expect(api.every((p) => p === '/api/session')).toBe(true);
    const link = page.getByRole('link', { name: '工作人员登录后核验' });
    expect(new URL(String(await link.getAttribute('href')), app.origin).searchParams.get('return_to')).toBe(`/c/${code}`);
    await context.close();

    // A citizen signed in sees the same explanation, not the data.
    await holder.goto(`${app.origin}/c/${code}`);
    await holder.getByRole('heading', { name: '这是电子证照用证码' }).waitFor();
    expect(await holder.textContent('main')).toContain('不是窗口工作人员账号');
    expect(await holder.textContent('main')).not.toContain('结婚证');
  });
});
