import { createRouter, type Router, type RouterHistory, type RouteLocationNormalized, type RouteRecordRaw } from 'vue-router';
import type { Role } from '@contract/bff';
import { setUnauthenticatedHandler } from './api/http';
import { useSessionStore } from './stores/session';
import { usePreferencesStore } from './stores/preferences';
import { homeOf, safeReturnTo } from './composables/return-to';
import { reportError } from './composables/useErrorBoundary';
import { loadMessages, type LazyArea } from './i18n';

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page title (header and document.title). */
    titleKey?: string;
    /** Signed-in users only; with roles, only those roles. */
    requiresAuth?: boolean;
    roles?: Role[];
    hideBack?: boolean;
    /** Message areas this page needs beyond the first screen's (loaded before it renders). */
    messages?: LazyArea[];
  }
}

// Every page is its own chunk: the first screen downloads only what it shows.
const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: () => import('./views/wallet/WalletView.vue'), meta: { titleKey: 'wallet.title', requiresAuth: true, roles: ['citizen'] } },
  { path: '/login', name: 'login', component: () => import('./views/auth/LoginView.vue'), meta: { titleKey: 'auth.title', hideBack: true } },
  { path: '/licenses/:licenseCode', name: 'license', component: () => import('./views/wallet/LicenseDetailView.vue'), props: true, meta: { titleKey: 'wallet.detailTitle', requiresAuth: true, roles: ['citizen'] } },
  { path: '/licenses/:licenseCode/authorise', name: 'authorise', component: () => import('./views/usage/AuthoriseView.vue'), props: true, meta: { titleKey: 'usage.authoriseTitle', requiresAuth: true, roles: ['citizen'], messages: ['usage'] } },
  { path: '/usage/:id', name: 'usage-code', component: () => import('./views/usage/UsageCodeView.vue'), props: true, meta: { titleKey: 'usage.codeTitle', requiresAuth: true, roles: ['citizen'], messages: ['usage', 'history'] } },
  // 扫码授权 (issue 15): a counter's request QR opens here.
  { path: '/r/:id', name: 'counter-request', component: () => import('./views/usage/RequestConsentView.vue'), props: true, meta: { titleKey: 'usage.request.title', requiresAuth: true, roles: ['citizen'], messages: ['usage'] } },
  { path: '/history', name: 'history', component: () => import('./views/usage/HistoryView.vue'), meta: { titleKey: 'history.title', requiresAuth: true, roles: ['citizen'], messages: ['usage', 'history'] } },
  { path: '/m/license', name: 'mobile-view', component: () => import('./views/mobile/MobileLicenseView.vue'), meta: { titleKey: 'mobile.title', hideBack: true } },
  { path: '/counter', name: 'counter', component: () => import('./views/counter/CounterView.vue'), meta: { titleKey: 'counter.title', requiresAuth: true, roles: ['counter_staff'], messages: ['counter'] } },
  { path: '/c/:authCode', name: 'code-landing', component: () => import('./views/counter/CodeLandingView.vue'), props: true, meta: { titleKey: 'counter.landingTitle', hideBack: true, messages: ['counter'] } },
  // Issue 12: portals' iframes and mini-program web-views (docs/embedding.md).
  { path: '/embed', name: 'embed', component: () => import('./views/embed/EmbedStartView.vue'), meta: { titleKey: 'app.title', hideBack: true } },
  { path: '/embed/signin', name: 'embed-signin', component: () => import('./views/embed/EmbedSignInView.vue'), meta: { titleKey: 'auth.title', hideBack: true } },
  { path: '/embed/handoff', name: 'embed-handoff', component: () => import('./views/embed/EmbedHandoffView.vue'), meta: { titleKey: 'auth.title', hideBack: true, requiresAuth: true } },
  { path: '/embed/authorise', name: 'embed-authorise', component: () => import('./views/embed/EmbedAuthoriseView.vue'), meta: { titleKey: 'usage.authoriseTitle', hideBack: true, requiresAuth: true, roles: ['citizen'], messages: ['usage'] } },
  { path: '/embed/unavailable', name: 'embed-unavailable', component: () => import('./views/embed/EmbedUnavailableView.vue'), meta: { titleKey: 'app.title' } },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue'), meta: { titleKey: 'notFound.title' } },
];

// Issue 12: inside a portal's frame or a mini-program web-view only, the embed hooks load (a
// small chunk) and adapt navigation; a top-level visit never downloads them. Never on the server.
function embeddedContext(): boolean {
  if (import.meta.env.SSR) return false;
  return window.top !== window.self || '__wxjs_environment' in window || /miniProgram|AlipayClient/i.test(navigator.userAgent);
}

function toLogin(returnTo: string) {
  return { name: 'login', query: { return_to: returnTo } } as const;
}

/**
 * The app's router on the given history: the browser's in the page, a memory history when the
 * BFF renders the first screen (entry-server.ts). The guards are the same in both.
 */
export function createAppRouter(history: RouterHistory): Router {
  const router = createRouter({
    history,
    routes,
    scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
  });

  const embedGuard = embeddedContext() ? import('./embed/router-hooks').then((m) => m.install(router)) : null;
  router.beforeEach(async (to) => (embedGuard ? (await embedGuard)(to) : true));

  // After the guards (so a redirect to login loads nothing extra), before the page renders.
  router.beforeResolve((to) => loadMessages(to.meta.messages ?? []));

  router.beforeEach(async (to: RouteLocationNormalized) => {
    // Applies the remembered 长辈模式 before the first page paints.
    usePreferencesStore();
    const session = useSessionStore();

    if (to.name === 'login') {
      // Already signed in (e.g. came back from the provider, or a stale tab): go where they were going.
      const user = await session.load().catch(() => null);
      if (user && !to.query.error && to.query.popup !== '1') return safeReturnTo(to.query.return_to, homeOf(user.role));
      return true;
    }
    if (!to.meta.requiresAuth) {
      // Public pages still show the menu to a signed-in visitor; nobody waits for the answer.
      void session.load().catch(() => undefined);
      return true;
    }

    let user;
    try {
      user = await session.load();
    } catch (err) {
      // Offline or the BFF is down: the error page explains and offers a retry, not a blank screen.
      reportError(err);
      return true;
    }
    if (!user) return toLogin(to.fullPath);
    if (to.meta.roles && !to.meta.roles.includes(user.role)) return homeOf(user.role);
    return true;
  });

  // The expired-session path: any 401 signs in again and lands back on this very page. Pages
  // that hold unfinished input keep it in sessionStorage (useSessionDraft), so it survives.
  if (!import.meta.env.SSR) setUnauthenticatedHandler(() => {
    const session = useSessionStore();
    session.clear();
    const current = router.currentRoute.value;
    if (current.name === 'login') return;
    void router.replace(toLogin(current.fullPath));
  });
  return router;
}
