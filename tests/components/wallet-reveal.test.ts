import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import { AxiosError, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import type { LicenseDetail } from '@contract/bff';
import { http } from '../../src/web/api/http';
import LicenseDetailView from '../../src/web/views/wallet/LicenseDetailView.vue';

// The network edge is the only thing replaced: axios's adapter answers like the BFF would.
const calls: string[] = [];
let mounted: { unmount: () => void } | undefined;
const originalAdapter = http.defaults.adapter;

const detail: LicenseDetail = {
  licenseCode: 'LC001', licenseItemCode: 'ITEM', name: '居民身份证', licenseType: 'CERTIFICATE',
  issueOrgName: '北京市公安局', idCode: '1101**********1233', beginDate: '2020-01-01', expiryDate: '2030-01-01',
  state: 'valid', daysLeft: 1000, holderMaskedName: '张*', issueOrgCode: 'ORG', issueDate: '2020-01-01', division: '北京市',
  fields: [
    { key: 'name', name: '姓名', value: '张三', sensitive: false, masked: false },
    { key: 'id_num', name: '公民身份号码', value: '1101**********1233', sensitive: true, masked: true },
  ],
  abolishReason: null, replacedBy: null,
};

function respond(config: InternalAxiosRequestConfig, status: number, data: unknown): Promise<AxiosResponse> {
  const response = { data, status, statusText: String(status), headers: {}, config } as AxiosResponse;
  if (status >= 400) return Promise.reject(new AxiosError('fail', 'ERR_BAD_RESPONSE', config, {}, response));
  return Promise.resolve(response);
}

const adapter: AxiosAdapter = (config) => {
  const key = `${config.method?.toUpperCase()} ${config.url}`;
  calls.push(key);
  if (key === 'GET /licenses/LC001') return respond(config, 200, detail);
  if (key === 'POST /licenses/LC001/reveal') return respond(config, 200, { fields: [{ key: 'id_num', value: '110101199003071233' }] });
  return respond(config, 404, { error: { code: 'NOT_FOUND', message: '未找到', requestId: 'r1' } });
};

async function mountDetail() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: { template: '<p />' } },
      { path: '/licenses/:licenseCode', name: 'license', component: LicenseDetailView, props: true },
      { path: '/licenses/:licenseCode/authorise', name: 'authorise', component: { template: '<p />' } },
      { path: '/history', component: { template: '<p />' } },
    ],
  });
  await router.push('/licenses/LC001');
  const wrapper = mount({ template: '<RouterView />' }, { global: { plugins: [router] }, attachTo: document.body });
  await flushPromises();
  mounted = wrapper;
  return wrapper;
}

/** Vant's dialog lives in document.body, outside the component. */
function dialogButton(text: string): HTMLButtonElement {
  const button = [...document.querySelectorAll<HTMLButtonElement>('.van-dialog button')].find((b) => b.textContent?.trim() === text);
  if (!button) throw new Error(`no dialog button "${text}"`);
  return button;
}

beforeEach(() => {
  setActivePinia(createPinia());
  calls.length = 0;
  http.defaults.adapter = adapter;
});
afterEach(() => {
  http.defaults.adapter = originalAdapter;
  mounted?.unmount();
});

describe('revealing a sensitive field on the detail page', () => {
  it('shows fields masked, asks for confirmation, and reveals nothing when cancelled', async () => {
    const wrapper = await mountDetail();
    expect(wrapper.text()).toContain('公民身份号码');
    expect(wrapper.text()).toContain('1101**********1233');
    expect(wrapper.text()).not.toContain('110101199003071233');

    await wrapper.get('button.detail__reveal').trigger('click');
    await flushPromises();
    expect(document.querySelector('.van-dialog')?.textContent).toContain('将显示完整的身份证号等敏感信息，请注意周围环境');

    dialogButton('取消').click();
    await flushPromises();
    expect(calls).not.toContain('POST /licenses/LC001/reveal');
    expect(wrapper.text()).not.toContain('110101199003071233');
  });

  it('calls reveal only after the holder confirms, then shows the full value and says so', async () => {
    const wrapper = await mountDetail();
    await wrapper.get('button.detail__reveal').trigger('click');
    await flushPromises();
    dialogButton('显示').click();
    await flushPromises();

    expect(calls).toContain('POST /licenses/LC001/reveal');
    expect(wrapper.text()).toContain('110101199003071233');
    expect(wrapper.get('[role="status"]').text()).toBe('已显示完整信息');
    expect(wrapper.find('button.detail__reveal').text()).toBe('隐藏');
  });
});
