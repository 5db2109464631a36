// The framed app's side of the host contract (issue 12): posts events to exactly the allowed
// parent origin, sizes the frame to its content, accepts host messages only from that origin,
// and turns "sign in again" into the frame's own sign-in page plus a `login-required` event.
import { readonly, ref } from 'vue';
import type { RouteLocationNormalized, RouteLocationRaw, Router } from 'vue-router';
import { EMBED_SDK_VERSION, EMBED_SOURCE, type EmbedEvent } from '@contract/embed';
import { hostMessage, inFrame } from '../embed/protocol';
import { logout } from '../api/session';
import { setLocale } from '../i18n';
import { usePreferencesStore } from '../stores/preferences';
import { useSessionStore } from '../stores/session';
import { safeReturnTo } from './return-to';
import { miniProgramKind, useMiniProgram } from './useMiniProgram';

const STORAGE_KEY = 'ecert.embed.host';
const host = ref<string | null>(null);
let started = false;
let lastHeight = 0;

/** To the parent page, and only to the origin it was checked to have; never '*'. */
function post(event: EmbedEvent): void {
  if (!host.value || !inFrame()) return;
  window.parent.postMessage({ source: EMBED_SOURCE, ...event }, host.value);
}

function measure(): void {
  const root = document.querySelector('.app-root') ?? document.body;
  const height = Math.ceil(root.getBoundingClientRect().height);
  if (height > 0 && height !== lastHeight) {
    lastHeight = height;
    post({ type: 'resize', height });
  }
}

function remember(origin: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, origin);
  } catch {
    // Storage refused: this page still works; a reload inside the frame starts over at /embed.
  }
}

function remembered(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Starts talking to the host `origin` (already checked against FRAME_ANCESTORS and the real parent). */
export function startEmbedHost(router: Router, origin: string | null): void {
  if (origin) {
    host.value = origin;
    remember(origin);
  }
  if (started) return;
  started = true;
  document.documentElement.classList.add('embedded');
  void import('../embed/embed.css');

  new ResizeObserver(measure).observe(document.querySelector('#app') ?? document.body);
  window.addEventListener('load', measure);

  window.addEventListener('message', (event) => {
    if (!host.value || event.origin !== host.value || event.source !== window.parent) return;
    const m = hostMessage(event.data);
    if (m?.type === 'navigate') void router.push(m.path);
    else if (m?.type === 'locale') void setLocale(m.locale);
    else if (m?.type === 'elder') usePreferencesStore().setElder(m.elder);
  });

  // The menu's sign-out would walk the frame to the provider's end-session page, which refuses
  // to be framed: inside a frame it ends our session and comes back to the sign-in page.
  const session = useSessionStore();
  session.signOut = async () => {
    try {
      await logout();
    } catch {
      // already signed out on the server
    }
    session.clear();
    post({ type: 'signed-out' });
    await router.replace({ name: 'embed-signin' });
  };

  post({ type: 'ready', version: EMBED_SDK_VERSION });
}

/**
 * The router's embed guard: an expired session inside the frame goes to the frame's own sign-in
 * page (a popup, since the provider cannot be framed), and the host hears `login-required`.
 */
export function embedLoginRedirect(to: RouteLocationNormalized): true | RouteLocationRaw {
  // Any framed sign-in, mounted by the SDK or not: only the hand-off works with third-party cookies blocked.
  if (to.name !== 'login' || !inFrame()) return true;
  post({ type: 'login-required' });
  return { name: 'embed-signin', query: { return_to: safeReturnTo(to.query.return_to) } };
}

/** After a reload inside the frame: picks the host up again from this frame's storage. */
export function resumeEmbedHost(router: Router): void {
  const origin = inFrame() ? remembered() : null;
  if (origin) startEmbedHost(router, origin);
}

export function useEmbedHost() {
  const mini = useMiniProgram();
  return {
    host: readonly(host),
    framed: inFrame(),
    miniProgram: miniProgramKind(),
    post,
    /** The end of an authorisation: to the portal and to the mini-program, whichever is there. */
    async deliver(event: EmbedEvent): Promise<void> {
      post(event);
      await mini.send(event);
    },
  };
}
