import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { router } from './router';
import { initLocale } from './i18n';
import { reportError } from './composables/useErrorBoundary';
import './styles/base.css';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
// The landing page needs the session and the wallet. The router asks for the session as soon as
// it is installed (its guard); ask for the wallet beside it now, while the locale and the wallet's
// code load, instead of after the guard and the chunk (issue 11). The store arrives with the
// wallet's chunks, which index.html modulepreloads beside this entry, so importing it here costs
// no extra round trip and keeps it out of the entry that every other page loads too.
if (window.location.pathname === '/') void import('./stores/licenses').then(({ useLicensesStore }) => useLicensesStore(pinia).prefetch());
app.use(router);
// Anything thrown outside a component's own handling lands on the error page, never a blank screen.
app.config.errorHandler = (err) => reportError(err);
window.addEventListener('unhandledrejection', (event) => {
  // Failed API calls are shown where they happen; only truly unexpected rejections surface here.
  if ((event.reason as { name?: string } | null)?.name !== 'ApiRequestError') reportError(event.reason);
});

// The saved language is known before the first paint, so the page never flashes in the other one.
void initLocale().finally(() => app.mount('#app'));
