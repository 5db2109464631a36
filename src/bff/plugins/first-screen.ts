// The wallet's first screen rendered on the server (issue 11). For a signed-in citizen, GET /
// answers with the built index.html's head at once (its modulepreload links start the app's
// downloads), then, within a short budget, the rendered wallet and the state it was rendered
// from as a `<script type="application/json">` block the app hydrates from. The renderer is the
// web build's own SSR bundle, loaded by path from the dist directory (.ssr/entry-server.js): this
// room never imports the web app's source. Without that file, a session, or the data in time,
// the page is today's static one and the app fetches as before.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createGzip } from 'node:zlib';
import {
  ELDER_COOKIE, FIRST_SCREEN_STATE_ID, LOCALE_COOKIE, parseLocale, type FirstScreenLocale, type FirstScreenState,
} from '../../contract/first-screen.ts';
import type { LicenseCard } from '../../contract/bff.ts';
import { sessionInfo } from '../routes/session.ts';
import type { StoredSession } from '../store/sessions.ts';
import { REFRESH_MARGIN_MS, SESSION_COOKIE, type SessionContext } from './session.ts';

type Render = (state: FirstScreenState) => Promise<string | null>;

/** index.html cut where the app's markup goes. */
interface Shell {
  head: string;
  tail: string;
}

export interface FirstScreen {
  /** Answers GET / for a signed-in citizen; false when the static page should answer instead. */
  serve(req: FastifyRequest, reply: FastifyReply): Promise<boolean>;
}

const APP_DIV = '<div id="app"></div>';

function cutShell(html: string): Shell | null {
  const at = html.indexOf(APP_DIV);
  if (at < 0) return null;
  // The wallet's CSS, preloaded on the static page, applies at once here: its markup is already in the page.
  const head = html.slice(0, at).replace(/<link rel="preload" as="style"( crossorigin)? href="([^"]+)">/g, '<link rel="stylesheet"$1 href="$2">');
  return { head, tail: html.slice(at + APP_DIV.length) };
}

/** JSON that cannot end its script element or open another (`<`, `>`, `&`, U+2028/9 escaped). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The browser's language when the holder has not chosen one: the app's browserLocale(), from Accept-Language. */
function acceptedLocale(header: string | undefined): FirstScreenLocale {
  for (const part of (header ?? '').split(',')) {
    const primary = part.trim().toLowerCase().split(/[-_;]/)[0];
    if (primary === 'zh') return 'zh-CN';
    if (primary === 'en') return 'en';
  }
  return 'zh-CN';
}

/** The wallet within the budget, or null (slow, or failed: the app asks again and shows why). */
async function walletInTime(app: FastifyInstance, session: StoredSession, budgetMs: number): Promise<LicenseCard[] | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((done) => (timer = setTimeout(() => done(null), budgetMs)));
  const wallet = app.holderServices.holder.wallet(session.credential).then((w) => w.licenses, () => null);
  try {
    return await Promise.race([wallet, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function firstScreen(app: FastifyInstance, distDir: string, indexHtml: string, sessions: SessionContext, budgetMs: number): Promise<FirstScreen | null> {
  const file = resolve(distDir, '.ssr', 'entry-server.js');
  const shell = cutShell(indexHtml);
  if (!existsSync(file) || !shell) {
    app.log.info('first screen: no server renderer in the web build; / is the static page');
    return null;
  }
  const render = (await import(pathToFileURL(file).href) as { renderWallet: Render }).renderWallet;

  async function signedInCitizen(req: FastifyRequest): Promise<StoredSession | null> {
    const raw = req.cookies[SESSION_COOKIE];
    if (!raw) return null;
    const session = await sessions.store.find(raw);
    // A credential due for renewal is the session plugin's to renew, on the app's first API call.
    if (!session || session.role !== 'citizen' || session.credentialExpiresAt - Date.now() < REFRESH_MARGIN_MS) return null;
    await sessions.store.touch(session);
    return session;
  }

  async function body(req: FastifyRequest, session: StoredSession, locale: FirstScreenLocale, elder: boolean): Promise<string> {
    const licenses = await walletInTime(app, session, budgetMs);
    if (!licenses) {
      req.log.info('first screen: wallet not in time; the page asks for it');
      return APP_DIV;
    }
    const { user, idleExpiresAt, absoluteExpiresAt } = sessionInfo(session);
    const state: FirstScreenState = { user, idleExpiresAt, absoluteExpiresAt, licenses, locale, elder };
    try {
      const markup = await render(state);
      if (markup === null) return APP_DIV;
      return `<div id="app">${markup}</div><script type="application/json" id="${FIRST_SCREEN_STATE_ID}">${scriptJson(state)}</script>`;
    } catch (err) {
      req.log.warn({ err: { message: (err as Error).message } }, 'first screen: render failed; the page renders itself');
      return APP_DIV;
    }
  }

  return {
    async serve(req, reply) {
      if (req.method !== 'GET') return false;
      const session = await signedInCitizen(req);
      if (!session) return false;
      const locale = parseLocale(req.cookies[LOCALE_COOKIE]) ?? acceptedLocale(req.headers['accept-language']);
      const elder = req.cookies[ELDER_COOKIE] === '1';
      const head = shell.head.replace(/<html lang="[^"]*">/, `<html lang="${locale}"${elder ? ' class="elder"' : ''}>`);

      // The head goes out now, so the browser fetches the app while the wallet is read.
      const zip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) ? createGzip() : null;
      const out = zip ?? new PassThrough();
      if (zip) reply.header('content-encoding', 'gzip');
      // Personal: no browser or shared cache keeps it.
      void reply.header('cache-control', 'no-store').header('vary', 'accept-encoding, cookie').type('text/html; charset=utf-8').send(out);
      out.write(head);
      zip?.flush();
      // Whatever goes wrong after the head has gone, the page is finished: the app renders itself.
      const rendered = await body(req, session, locale, elder).catch(() => APP_DIV);
      out.end(rendered + shell.tail);
      return true;
    },
  };
}
