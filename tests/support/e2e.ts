// Starts the real server (`src/server.ts`, embedded sandbox) on a free port with fresh SQLite
// files, and Debian's Chromium through playwright-core at a phone's viewport.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type LaunchOptions, type Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/sandbox/demo-data.ts';
import { freePort, onFreePort } from './ports.ts';

export interface RunningApp {
  origin: string;
  /** Everything the server printed, for assertions about logs. */
  output: () => string;
  stop: () => Promise<void>;
}

export { freePort };

export async function startApp(env: Record<string, string> = {}): Promise<RunningApp> {
  return onFreePort((port) => startAppOn(port, env));
}

async function startAppOn(port: number, env: Record<string, string>): Promise<RunningApp> {
  const dir = mkdtempSync(join(tmpdir(), 'ecert-e2e-'));
  const origin = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_ORIGIN: origin,
      BFF_DB: join(dir, 'bff.sqlite'),
      SANDBOX_DB: join(dir, 'sandbox.sqlite'),
      LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`server exited early:\n${output}`);
    }
    try {
      const res = await fetch(`${origin}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    origin,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchBrowser(extraArgs: string[] = [], options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...CHROMIUM_FLAGS, ...extraArgs],
    ...options,
  });
}

/** A phone: 390x844, touch, Chinese locale. */
export async function phoneContext(browser: Browser, options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    ...options,
  });
}

/**
 * Opens `path` signed out, which leads to our login page, and signs in on the identity
 * provider's real login form. Callers wait for where they expect to land.
 */
export async function signIn(page: Page, origin: string, account: string, path = '/'): Promise<void> {
  await page.goto(`${origin}${path}`);
  await page.getByRole('button', { name: '统一身份认证登录' }).click();
  await page.locator('#account').fill(account);
  await page.locator('#password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
}

const axeSource = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');

/** axe-core's serious and critical violations on the page as it stands. */
export async function seriousA11yProblems(page: Pick<Page, 'evaluate'>): Promise<string[]> {
  // Through the DevTools protocol: the app's CSP rightly refuses an injected inline <script>,
  // and the test should not loosen it.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown }> }> }> } }).axe;
    return axe.run();
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}
