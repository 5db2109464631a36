// What the elder-mode tests measure on a page as it stands, and where the screenshots go.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';

/** Git-ignored; the e2e run prints where it is so a reviewer can look. */
export const SCREENS_DIR = resolve('test-results/screens');

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENS_DIR, { recursive: true });
  const file = join(SCREENS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface ElderProblems {
  text: string[];
  targets: string[];
}

/**
 * Every visible text below 18 px and every interactive target below 60×60 px. Not counted:
 * text for screen readers only (.visually-hidden), decoration (aria-hidden), links inside running
 * text (WCAG 2.5.8's inline exception). A radio or checkbox is measured by its label, and a link
 * stretched over its card (an absolute ::after) by the card: that is what a finger hits.
 */
export function elderProblems(page: Page): Promise<ElderProblems> {
  return page.evaluate(() => {
    const shown = (el: Element): boolean => {
      if (el.closest('.visually-hidden, [aria-hidden="true"], [hidden]')) return false;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) return false;
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.height > 0 && box.bottom + window.scrollY > 0;
    };
    const describe = (el: Element, text: string) => `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} "${text.trim().slice(0, 24)}"`;

    const text: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || !node.textContent?.trim() || !shown(el)) continue;
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (size < 18) text.push(`${size}px ${describe(el, node.textContent)}`);
    }

    const targets: string[] = [];
    const interactive = document.querySelectorAll('a[href], button, input:not([type="hidden"]), select, textarea, summary, [role="switch"], [role="button"], [role="tab"], [tabindex]:not([tabindex="-1"])');
    for (const el of interactive) {
      if (!shown(el)) continue;
      let target: Element = el;
      const input = el as HTMLInputElement;
      if ((input.type === 'radio' || input.type === 'checkbox') && el.closest('label')) target = el.closest('label')!;
      const after = getComputedStyle(el, '::after');
      if (after.content !== 'none' && after.position === 'absolute' && el instanceof HTMLElement && el.offsetParent) target = el.offsetParent;
      if (el.tagName === 'A' && getComputedStyle(el).display === 'inline' && (el.parentElement?.textContent ?? '').trim() !== (el.textContent ?? '').trim()) continue;
      const box = target.getBoundingClientRect();
      if (box.height < 59.5 || box.width < 59.5) targets.push(`${Math.round(box.width)}×${Math.round(box.height)} ${describe(target, target.textContent ?? '')}`);
    }
    return { text, targets };
  });
}
