import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import type { AxiosAdapter } from 'axios';
import { respond } from './axios-edge.ts';
import type { Role, SessionInfo } from '@contract/bff';
import { http } from '../../src/web/api/http';
import { createWebHistory } from 'vue-router';
import { createAppRouter } from '../../src/web/router';

// The real router and session store; only the network edge (axios's adapter) is replaced.
const router = createAppRouter(createWebHistory());
let signedInAs: Role | null = null;
let licensesAnswer = 200;
const originalAdapter = http.defaults.adapter;

const unauthenticated = { error: { code: 'UNAUTHENTICATED', message: '请先登录', requestId: 'r' } };

const adapter: AxiosAdapter = (config) => {
  if (config.url === '/session') {
    if (!signedInAs) return respond(config, 401, unauthenticated);
    const info: SessionInfo = {
      user: { maskedName: '张*', name: '张三', maskedIdentityNum: '1101**********1233', role: signedInAs },
      csrfToken: 'csrf', idleExpiresAt: new Date(Date.now() + 1_800_000).toISOString(), absoluteExpiresAt: new Date(Date.now() + 28_800_000).toISOString(),
    };
    return respond(config, 200, info);
  }
  if (config.url === '/licenses') return licensesAnswer === 200 ? respond(config, 200, { licenses: [] }) : respond(config, 401, unauthenticated);
  return respond(config, 404, { error: { code: 'NOT_FOUND', message: '未找到', requestId: 'r' } });
};

beforeEach(async () => {
  http.defaults.adapter = adapter;
  signedInAs = null;
  licensesAnswer = 200;
  setActivePinia(createPinia());
  await router.replace('/m/license');
  await flushPromises();
  // A fresh page load: nothing known about the session yet.
  setActivePinia(createPinia());
});
afterEach(() => {
  http.defaults.adapter = originalAdapter;
});

describe('route guards', () => {
  it('sends a signed-out visitor of a protected page to /login, remembering the page', async () => {
    await router.push('/history?licenseCode=LC1');
    expect(router.currentRoute.value.name).toBe('login');
    expect(router.currentRoute.value.query.return_to).toBe('/history?licenseCode=LC1');
  });

  it('sends a signed-in holder on /login straight to where they were going', async () => {
    signedInAs = 'citizen';
    await router.push({ path: '/login', query: { return_to: '/history' } });
    expect(router.currentRoute.value.fullPath).toBe('/history');
  });

  it('ignores a return_to that leaves the site', async () => {
    signedInAs = 'citizen';
    await router.push({ path: '/login', query: { return_to: '//evil.example/x' } });
    expect(router.currentRoute.value.fullPath).toBe('/');
  });

  it.each([
    ['counter_staff', '/', '/counter'],
    ['citizen', '/counter', '/'],
  ] as const)('sends %s away from a page of the other role (%s -> %s)', async (role, from, to) => {
    signedInAs = role;
    await router.push(from);
    expect(router.currentRoute.value.fullPath).toBe(to);
  });

  it('takes a holder whose session expired mid-visit through login and back to the same page', async () => {
    signedInAs = 'citizen';
    await router.push('/history?licenseCode=LC1');
    expect(router.currentRoute.value.fullPath).toBe('/history?licenseCode=LC1');
    licensesAnswer = 401;
    await http.get('/licenses').catch(() => undefined);
    await flushPromises();
    expect(router.currentRoute.value.name).toBe('login');
    expect(router.currentRoute.value.query.return_to).toBe('/history?licenseCode=LC1');
  });
});
