// The app as both the page and the BFF's first-screen renderer build it (issue 11): one root,
// one Pinia, one router on the history each side gives. createSSRApp hydrates server-rendered
// markup and mounts normally into an empty container, so the page needs no second code path.
import { createSSRApp, type App as VueApp } from 'vue';
import { createPinia, type Pinia } from 'pinia';
import type { Router, RouterHistory } from 'vue-router';
import type { FirstScreenState } from '@contract/first-screen';
import App from './App.vue';
import { createAppRouter } from './router';
import { useSessionStore } from './stores/session';
import { useLicensesStore } from './stores/licenses';

export function createWalletApp(history: RouterHistory): { app: VueApp; pinia: Pinia; router: Router } {
  const app = createSSRApp(App);
  const pinia = createPinia();
  app.use(pinia);
  const router = createAppRouter(history);
  return { app, pinia, router };
}

/** The stores as the server saw them: who is signed in and their cards. */
export function adoptFirstScreen(pinia: Pinia, state: FirstScreenState): void {
  useSessionStore(pinia).adopt({ user: state.user, idleExpiresAt: state.idleExpiresAt, absoluteExpiresAt: state.absoluteExpiresAt });
  useLicensesStore(pinia).adopt(state.licenses);
}
