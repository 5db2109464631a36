// Issue 15 in Chromium, at 390×844 and 320×568: the counter code a person can read, typed at the
// counter with spaces; a code authorised for 不动产登记 refused in a 户籍业务办理 case, naming both;
// the consented item's case shows only the consented fields; the QR page keeps its countdown
// above the fold. Two browser contexts: the citizen's phone and the clerk's screen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { signIn } from '../support/e2e.ts';
import { phoneTestbed, screenshot, SCREENS_DIR } from './ux-support.ts';

const bed = phoneTestbed();
let origin = '';
beforeAll(() => {
  origin = bed.app().origin;
});
afterAll(() => console.log(`Screenshots of the key screens: ${SCREENS_DIR}`));

async function clerkCase(size: { width: number; height: number }, bizNum: string, serviceItemCode: string): Promise<Page> {
  const staff = await bed.newPage({ viewport: size });
  await signIn(staff, origin, 'staff01', '/counter');
  await staff.waitForURL(`${origin}/counter`);
  await staff.locator('#counter-biz-num').fill(bizNum);
  await staff.locator('#counter-service-item').selectOption(serviceItemCode);
  await staff.getByRole('button', { name: '开始办件' }).click();
  await staff.locator('#counter-manual-code').waitFor();
  return staff;
}

async function typeCode(staff: Page, text: string): Promise<void> {
  const close = staff.getByRole('button', { name: '关闭摄像头' });
  if (await close.isVisible()) await close.click();
  await staff.locator('#counter-manual-code').fill(text);
  await staff.getByRole('button', { name: '核验', exact: true }).click();
}

describe.each([
  { width: 390, height: 844 },
  { width: 320, height: 568 },
])('at $width×$height', (size) => {
  const tag = `${size.width}x${size.height}`;
  let counterCode = '';

  it('shows the counter code grouped beside the QR, with the countdown above the fold', async () => {
    const holder = await bed.newPage({ viewport: size });
    await signIn(holder, origin, 'zhangsan');
    await holder.waitForURL(`${origin}/`);
    await holder.getByRole('link', { name: '结婚证', exact: true }).click();
    await holder.getByRole('link', { name: '授权使用' }).click();
    await holder.waitForURL(/\/authorise$/);
    await holder.getByRole('radio', { name: /不动产登记/ }).first().check();
    const sensitive = holder.getByTestId('sensitive-consent');
    if (await sensitive.count()) await sensitive.check();
    await holder.getByTestId('consent-confirm').click();
    await holder.waitForURL(/\/usage\/[^/]+$/);
    const shown = holder.getByTestId('usage-counter-code');
    await shown.waitFor();
    const text = (await shown.textContent()) ?? '';
    expect(text).toMatch(/^\d{4} \d{4} \d{4} \d{5}$/);
    counterCode = text;
    const countdown = await holder.locator('.usage-countdown').boundingBox();
    expect(countdown, 'the countdown is on the page').not.toBeNull();
    expect(countdown!.y + countdown!.height, 'the countdown is above the fold').toBeLessThanOrEqual(size.height);
    await screenshot(holder, `counter-code-qr-${tag}`);
  });

  it('refuses the code typed with spaces in a case for another item, naming both', async () => {
    const staff = await clerkCase(size, `DC2026-UX-${size.width}-1`, 'DC-HJ-0001');
    await typeCode(staff, counterCode);
    await expect.poll(() => staff.locator('#counter-failure').textContent(), { timeout: 15_000 }).toContain('不动产登记');
    expect(await staff.locator('#counter-failure').textContent()).toContain('户籍业务办理');
    await screenshot(staff, `counter-mismatch-${tag}`);
  });

  it('redeems it in the consented item’s case and shows only the consented fields', async () => {
    const staff = await clerkCase(size, `DC2026-UX-${size.width}-2`, 'DC-BDC-0001');
    await typeCode(staff, counterCode);
    await expect.poll(() => staff.locator('#counter-announce').textContent(), { timeout: 15_000 }).toContain('核验成功');
    const result = (await staff.locator('.counter-result').textContent()) ?? '';
    expect(result).toContain('结婚证');
    // 不动产登记 receives a 结婚证's names and date, not the holder's identity document.
    expect(result).not.toContain('身份证件号码');
    expect(result).not.toContain('发证机构');
    expect(result).not.toMatch(/1101\*+\d{4}/);
    await screenshot(staff, `counter-consented-fields-${tag}`);
  });
});
