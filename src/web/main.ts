import { createWebHistory } from 'vue-router';
import { FIRST_SCREEN_STATE_ID, type FirstScreenState } from '@contract/first-screen';
import { adoptFirstScreen, createWalletApp } from './create-app';
import { applyLocale, initLocale } from './i18n';
import { useSessionStore } from './stores/session';
import { useLicensesStore } from './stores/licenses';
import { reportError } from './composables/useErrorBoundary';
import './styles/base.css';

/** The state the BFF rendered the wallet's first screen from, when it did (issue 11). */
function firstScreenState(): FirstScreenState | null {
  const text = document.getElementById(FIRST_SCREEN_STATE_ID)?.textContent;
  if (!text) return null;
  try {
    return JSON.parse(text) as FirstScreenState;
  } catch {
    return null;
  }
}

const state = firstScreenState();
const { app, pinia, router } = createWalletApp(createWebHistory());
if (state) adoptFirstScreen(pinia, state);
// Without a rendered first screen the landing page needs the session and the wallet: the router
// asks for the session as soon as it is installed (its guard); ask for the wallet beside it now,
// instead of after the guard and the chunk (issue 11).
else if (window.location.pathname === '/') useLicensesStore(pinia).prefetch();
app.use(router);
// Anything thrown outside a component's own handling lands on the error page, never a blank screen.
app.config.errorHandler = (err) => reportError(err);
window.addEventListener('unhandledrejection', (event) => {
  // Failed API calls are shown where they happen; only truly unexpected rejections surface here.
  if ((event.reason as { name?: string } | null)?.name !== 'ApiRequestError') reportError(event.reason);
});

/**
 * After hydrating: the CSRF token and the session's timers come from GET /api/session as on any
 * other page. A session that ended since the server rendered goes to the login page like a 401.
 */
function confirmSession(): void {
  useSessionStore(pinia).load(true).then((user) => {
    if (!user) void router.replace({ name: 'login', query: { return_to: router.currentRoute.value.fullPath } });
  }, () => undefined);
}

// The language is known before the first paint, so the page never flashes in the other one; a
// server-rendered page is hydrated in the language it was rendered in, once its route is resolved.
void (state ? Promise.all([applyLocale(state.locale), router.isReady()]) : initLocale())
  .finally(() => {
    app.mount('#app');
    if (state) confirmSession();
  });
