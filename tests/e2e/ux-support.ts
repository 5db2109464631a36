// The wallet and UX browser tests' common parts: one server and one browser per file, pages in
// phone contexts closed at the end, what elder mode measures, and where the screenshots go.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, phoneContext, startApp, type RunningApp } from '../support/e2e.ts';

export interface PhoneTestbed {
  /** The server this file runs against (set once beforeAll has run). */
  app: () => RunningApp;
  /** A page in a fresh phone context (390×844, zh-CN unless told otherwise). */
  newPage: (options?: Parameters<typeof phoneContext>[1]) => Promise<Page>;
}

/** Starts the real server and Chromium for this file, and stops both (and every context) after it. */
export function phoneTestbed(): PhoneTestbed {
  let app: RunningApp | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  });
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    await browser?.close();
    await app?.stop();
  });
  return {
    app: () => {
      if (!app) throw new Error('the server is not running yet');
      return app;
    },
    newPage: async (options = {}) => {
      if (!browser) throw new Error('the browser is not running yet');
      const context = await phoneContext(browser, options);
      contexts.push(context);
      return context.newPage();
    },
  };
}

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
