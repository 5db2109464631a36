import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { AxiosAdapter } from 'axios';
import { respond } from './axios-edge.ts';
import type { LicenseCard } from '@contract/bff';
import { http, setUnauthenticatedHandler } from '../../src/web/api/http';
import { useLicensesStore } from '../../src/web/stores/licenses';
import WalletView from '../../src/web/views/wallet/WalletView.vue';

// Issue 11: the wallet's data is asked for as the app starts, beside the session, and the wallet
// page takes that answer instead of asking again. Only axios's adapter (the network edge) is replaced.

const card: LicenseCard = {
  licenseCode: 'LC001', licenseItemCode: 'ITEM', name: '居民户口簿', licenseType: 'CERTIFICATE', issueOrgName: '北京市公安局',
  idCode: '1101**********1233', beginDate: '2020-01-01', expiryDate: '2030-01-01', state: 'valid', daysLeft: 1000,
} as LicenseCard;

const calls: string[] = [];
let answer: { status: number; data: unknown } = { status: 200, data: { licenses: [card] } };
let release: (() => void) | null = null;
let held = false;
const originalAdapter = http.defaults.adapter;

const adapter: AxiosAdapter = async (config) => {
  calls.push(`${config.method?.toUpperCase()} ${config.url}`);
  if (held) await new Promise<void>((r) => (release = r));
  return respond(config, answer.status, answer.data);
};

async function mountWallet() {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: WalletView }, { path: '/licenses/:licenseCode', name: 'license', component: { template: '<p />' } }] });
  await router.push('/');
  await router.isReady();
  return mount(WalletView, { global: { plugins: [router] } });
}

beforeEach(() => {
  setActivePinia(createPinia());
  http.defaults.adapter = adapter;
  calls.length = 0;
  answer = { status: 200, data: { licenses: [card] } };
  held = false;
  release = null;
});
afterEach(() => {
  http.defaults.adapter = originalAdapter;
  setUnauthenticatedHandler(null);
});

describe('the wallet on the first screen', () => {
  it('shows the skeleton while the early request is out, then the cards, with one request in all', async () => {
    held = true;
    useLicensesStore().prefetch();
    const wrapper = await mountWallet();
    expect(wrapper.find('[aria-busy="true"]').exists()).toBe(true);
    release?.();
    await flushPromises();
    expect(wrapper.find('[aria-busy="true"]').exists()).toBe(false);
    expect(wrapper.text()).toContain('居民户口簿');
    expect(calls).toEqual(['GET /licenses']);
  });

  it('shows cards that arrived before the page at once, without a skeleton or a second request', async () => {
    useLicensesStore().prefetch();
    await flushPromises();
    const wrapper = await mountWallet();
    expect(wrapper.find('[aria-busy="true"]').exists()).toBe(false);
    expect(wrapper.text()).toContain('居民户口簿');
    expect(calls).toEqual(['GET /licenses']);
  });

  it('treats a 401 to the early request as "not signed in yet": no sign-out, no error shown', async () => {
    let signedOut = 0;
    setUnauthenticatedHandler(() => void signedOut++);
    answer = { status: 401, data: { error: { code: 'UNAUTHENTICATED', message: '请先登录', requestId: 'r1' } } };
    const store = useLicensesStore();
    store.prefetch();
    await flushPromises();
    expect(signedOut).toBe(0);
    expect(store.error).toBeNull();
    // The page's own request later is an ordinary one: a 401 there does mean the session ended.
    await store.load();
    expect(signedOut).toBe(1);
  });
});
