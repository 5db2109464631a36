// Mini-program web-views (WeChat, Alipay): detected from the environment, their JS bridge
// loaded only there (weixin-js-sdk from our own bundle; Alipay's `my`, which its client puts in
// the web-view), and used for back navigation and for handing a result to the mini-program.
// Everything works without a bridge: the calls then do nothing and the page says what happened.
import type { EmbedEvent } from '@contract/embed';

export type MiniProgramKind = 'wechat' | 'alipay';

export interface MiniProgramEnv {
  userAgent: string;
  /** window.__wxjs_environment: 'miniprogram' inside a WeChat mini-program web-view. */
  wxjsEnvironment?: unknown;
}

/** Which mini-program web-view this is, if any. */
export function detectMiniProgram(env: MiniProgramEnv): MiniProgramKind | null {
  const ua = env.userAgent;
  if (env.wxjsEnvironment === 'miniprogram') return 'wechat';
  if (/MicroMessenger/i.test(ua) && /miniProgram/i.test(ua)) return 'wechat';
  if (/AlipayClient/i.test(ua) && /MiniProgram/i.test(ua)) return 'alipay';
  return null;
}

interface Bridge {
  postMessage(data: Record<string, unknown>): void;
  navigateBack(): void;
}

interface WxMiniProgram {
  postMessage(options: { data: Record<string, unknown> }): void;
  navigateBack(options?: { delta?: number }): void;
}
interface AlipayMy {
  postMessage?: (data: Record<string, unknown>) => void;
  navigateBack?: () => void;
}

let kind: MiniProgramKind | null | undefined;
let bridge: Promise<Bridge | null> | null = null;

export function miniProgramKind(): MiniProgramKind | null {
  kind ??= typeof window === 'undefined'
    ? null
    : detectMiniProgram({ userAgent: navigator.userAgent, wxjsEnvironment: (window as { __wxjs_environment?: unknown }).__wxjs_environment });
  return kind;
}

async function loadBridge(k: MiniProgramKind): Promise<Bridge | null> {
  if (k === 'wechat') {
    // Bundled from npm and served by us: nothing comes from WeChat's CDN.
    const wx = ((await import('weixin-js-sdk')) as unknown as { default: { miniProgram?: WxMiniProgram } }).default;
    const mp = wx?.miniProgram;
    if (!mp) return null;
    return { postMessage: (data) => mp.postMessage({ data }), navigateBack: () => mp.navigateBack({ delta: 1 }) };
  }
  const my = (window as { my?: AlipayMy }).my;
  if (!my?.postMessage) return null;
  return { postMessage: (data) => my.postMessage?.(data), navigateBack: () => my.navigateBack?.() };
}

function theBridge(): Promise<Bridge | null> {
  const k = miniProgramKind();
  if (!k) return Promise.resolve(null);
  bridge ??= loadBridge(k).catch(() => null);
  return bridge;
}

/** Marks the page (CSS hides what cannot work there) and loads the bridge early. */
export function startMiniProgram(): void {
  const k = miniProgramKind();
  if (!k) return;
  document.documentElement.classList.add('miniprogram', `miniprogram--${k}`);
  void theBridge();
}

export function useMiniProgram() {
  const k = miniProgramKind();
  return {
    kind: k,
    inMiniProgram: k !== null,
    /** Downloads and the camera are not promised inside a web-view. */
    canDownload: k === null,
    canUseCamera: k === null,
    /** Hands an event to the mini-program page (delivered by WeChat on back/share/destroy). */
    async send(event: EmbedEvent): Promise<boolean> {
      const b = await theBridge();
      if (!b) return false;
      b.postMessage({ source: 'ecert-holder', ...event });
      return true;
    },
    /** Back to the mini-program page that opened the web-view; false where no bridge answers. */
    async back(): Promise<boolean> {
      const b = await theBridge();
      if (!b) return false;
      b.navigateBack();
      return true;
    },
  };
}
