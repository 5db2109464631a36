// The wallet's first screen rendered by the BFF (issue 11). Built by `vite build --ssr` into the
// web build's .ssr/ directory (scripts/build-web.mjs); the BFF loads the built file by path
// (plugins/first-screen.ts) and never imports this source.
import { renderToString } from 'vue/server-renderer';
import { createMemoryHistory } from 'vue-router';
import type { FirstScreenState } from '@contract/first-screen';
import { adoptFirstScreen, createWalletApp } from './create-app';
import { applyLocale } from './i18n';
import { usePreferencesStore } from './stores/preferences';

// The messages in use are module state (i18n/index.ts): one render at a time, so two holders'
// pages in different languages never borrow each other's. A render takes a few milliseconds.
let queue: Promise<unknown> = Promise.resolve();

/** The app's markup for `/` as this holder sees it, or null if the route would not show the wallet. */
export function renderWallet(state: FirstScreenState): Promise<string | null> {
  const run = queue.then(() => renderOnce(state));
  queue = run.catch(() => undefined);
  return run;
}

async function renderOnce(state: FirstScreenState): Promise<string | null> {
  await applyLocale(state.locale);
  const { app, pinia, router } = createWalletApp(createMemoryHistory());
  adoptFirstScreen(pinia, state);
  usePreferencesStore(pinia).setElder(state.elder);
  app.use(router);
  await router.push('/');
  await router.isReady();
  if (router.currentRoute.value.name !== 'home') return null;
  return renderToString(app);
}
