import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import type { Role } from '@contract/bff';

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page title (header and document.title). */
    titleKey?: string;
    /** Signed-in users only; with roles, only those roles. */
    requiresAuth?: boolean;
    roles?: Role[];
    hideBack?: boolean;
  }
}

// Every page is its own chunk: the first screen downloads only what it shows.
const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: () => import('./views/wallet/WalletView.vue'), meta: { titleKey: 'wallet.title', requiresAuth: true, roles: ['citizen'] } },
  { path: '/login', name: 'login', component: () => import('./views/auth/LoginView.vue'), meta: { titleKey: 'auth.title', hideBack: true } },
  { path: '/licenses/:licenseCode', name: 'license', component: () => import('./views/wallet/LicenseDetailView.vue'), props: true, meta: { titleKey: 'wallet.detailTitle', requiresAuth: true, roles: ['citizen'] } },
  { path: '/licenses/:licenseCode/authorise', name: 'authorise', component: () => import('./views/usage/AuthoriseView.vue'), props: true, meta: { titleKey: 'usage.authoriseTitle', requiresAuth: true, roles: ['citizen'] } },
  { path: '/usage/:id', name: 'usage-code', component: () => import('./views/usage/UsageCodeView.vue'), props: true, meta: { titleKey: 'usage.codeTitle', requiresAuth: true, roles: ['citizen'] } },
  { path: '/history', name: 'history', component: () => import('./views/usage/HistoryView.vue'), meta: { titleKey: 'history.title', requiresAuth: true, roles: ['citizen'] } },
  { path: '/m/license', name: 'mobile-view', component: () => import('./views/mobile/MobileLicenseView.vue'), meta: { titleKey: 'mobile.title', hideBack: true } },
  { path: '/counter', name: 'counter', component: () => import('./views/counter/CounterView.vue'), meta: { titleKey: 'counter.title', requiresAuth: true, roles: ['counter_staff'] } },
  { path: '/c/:authCode', name: 'code-landing', component: () => import('./views/counter/CodeLandingView.vue'), props: true, meta: { titleKey: 'counter.landingTitle', hideBack: true } },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue'), meta: { titleKey: 'notFound.title' } },
];

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
});
