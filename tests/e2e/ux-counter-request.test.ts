// 扫码授权 in Chromium (issue 15), at 390×844 and 320×568, in two browser contexts: the clerk's
// screen starts a request for its case, its QR is read back by an independent decoder (zbarimg),
// the citizen opens that address on the phone, signs in, sees who asks for what and consents, and
// the clerk's screen shows the result by itself, with only the consented fields.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { signIn } from '../support/e2e.ts';
import { phoneTestbed, screenshot, SCREENS_DIR } from './ux-support.ts';

const run = promisify(execFile);
const bed = phoneTestbed();
let origin = '';
beforeAll(() => {
  origin = bed.app().origin;
});
afterAll(() => console.log(`Screenshots of the key screens: ${SCREENS_DIR}`));

async function clerkCase(size: { width: number; height: number }, bizNum: string, serviceItemCode: string): Promise<Page> {
  const staff = await bed.newPage({ viewport: size });
  // Two cores shared by a whole test run: the first page of a cold server may take a while.
  staff.setDefaultTimeout(60_000);
  await signIn(staff, origin, 'staff01', '/counter');
  await staff.waitForURL(`${origin}/counter`);
  // The counter's first call warms the service-item caches upstream: slow on a busy machine.
  await staff.locator('#counter-biz-num').waitFor({ timeout: 120_000 });
  await staff.locator('#counter-biz-num').fill(bizNum);
  await staff.locator('#counter-service-item').selectOption(serviceItemCode);
  await staff.getByRole('button', { name: '开始办件' }).click();
  await staff.getByTestId('counter-request-start').waitFor();
  return staff;
}

/** The request QR on the clerk's screen, as a phone camera would read it. */
async function readRequestQr(staff: Page, tag: string): Promise<string> {
  const qr = staff.locator('.counter-request__qr');
  await qr.locator('svg, img, canvas').first().waitFor();
  const file = await screenshot(staff, `counter-request-qr-${tag}`);
  const crop = join(SCREENS_DIR, `counter-request-qr-only-${tag}.png`);
  await qr.screenshot({ path: crop });
  expect(file).toBeTruthy();
  const { stdout } = await run('zbarimg', ['--raw', '-q', crop]);
  return stdout.trim();
}

describe.each([
  { width: 390, height: 844 },
  { width: 320, height: 568 },
])('at $width×$height', (size) => {
  const tag = `${size.width}x${size.height}`;

  it('goes from the counter screen to the citizen’s phone and back, with nothing typed', { timeout: 180_000 }, async () => {
    const bizNum = `DC2026-REQ-${size.width}`;
    const staff = await clerkCase(size, bizNum, 'DC-BDC-0001');
    await staff.getByTestId('counter-request-start').click();
    const url = await readRequestQr(staff, tag);
    expect(url).toMatch(new RegExp(`^${origin.replace(/[.]/g, '\\.')}/r/[A-Za-z0-9_-]{22}$`));
    expect(await staff.getByTestId('counter-request-state').textContent()).toContain('等待持证人确认授权');

    const holder = await bed.newPage({ viewport: size });
    holder.setDefaultTimeout(60_000);
    await signIn(holder, origin, 'zhangsan', new URL(url).pathname);
    await holder.waitForURL(url, { timeout: 30_000 });
    const heading = holder.locator('#request-heading');
    await expect.poll(() => heading.textContent(), { timeout: 15_000 }).toContain('北京市东城区政务服务中心');
    // Only certificates 不动产登记 accepts are offered (张三's 学历证书 is not).
    await holder.getByRole('radio', { name: /结婚证/ }).waitFor();
    const page = (await holder.locator('.request-consent').textContent()) ?? '';
    expect(page).toContain('不动产登记');
    expect(page).toContain(bizNum);
    expect(await holder.getByRole('radio', { name: /学历/ }).count()).toBe(0);
    await holder.getByRole('radio', { name: /结婚证/ }).check();
    const sensitive = holder.getByTestId('sensitive-consent');
    if (await sensitive.count()) await sensitive.check();
    await screenshot(holder, `request-consent-${tag}`);
    await holder.getByTestId('consent-confirm').click();
    await holder.getByTestId('request-sent').waitFor({ timeout: 15_000 });
    await screenshot(holder, `request-sent-${tag}`);

    // The clerk's screen learns of it by itself (it polls the BFF once a second).
    await expect.poll(() => staff.locator('#counter-announce').textContent(), { timeout: 20_000 }).toContain('核验成功');
    const result = (await staff.locator('.counter-result').textContent()) ?? '';
    expect(result).toContain('结婚证');
    expect(await staff.locator('.counter-case-bar').textContent()).toContain(bizNum);
    // 不动产登记 receives a 结婚证's names and date, not the holder's identity document or the issuer.
    expect(result).not.toContain('身份证件号码');
    expect(result).not.toContain('发证机构');
    expect(result).not.toMatch(/1101\*+\d{4}/);
    await screenshot(staff, `counter-request-result-${tag}`);
  });
});
