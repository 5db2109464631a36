import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { AxiosAdapter } from 'axios';
import { respond } from './axios-edge.ts';
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
/** What GET /licenses/LC001 answers in the current test. */
let served: LicenseDetail = detail;

const adapter: AxiosAdapter = (config) => {
  const key = `${config.method?.toUpperCase()} ${config.url}`;
  calls.push(key);
  if (key === 'GET /licenses/LC001') return respond(config, 200, served);
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
  served = detail;
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

const realEstate: LicenseDetail = {
  ...detail, name: '不动产权证书', idCode: '1.2.156.3005.2.012001.11110000MB0000009K.00000007.001.Q', issueDate: '2026-12-02', issueOrgName: '北京市演示颁证机关',
  fields: [
    { key: 'ZZMC', name: '证照名称', value: '不动产权证书', sensitive: false, masked: false },
    { key: 'ZZHM', name: '证照号码', value: '京(2020)东城区不动产权第0012345号', sensitive: false, masked: false },
    { key: 'CYRMC', name: '持有人名称', value: '张三', sensitive: false, masked: false },
    { key: 'GYQK', name: '共有情况', value: '单独所有', sensitive: false, masked: false },
    { key: 'FZJGSSXZQHDM', name: '发证机构所属行政区划代码', value: '110000', sensitive: false, masked: false },
    { key: 'FZRQ', name: '发证日期', value: '2020-08-01', sensitive: false, masked: false },
  ],
};

describe('the detail page in the holder\'s words', () => {
  it('leads with the printed number, states one issue date and the holder masked until the one reveal, and hides codes for machines', async () => {
    served = realEstate;
    const wrapper = await mountDetail();
    expect(wrapper.get('.detail__number').text()).toContain('京(2020)东城区不动产权第0012345号');
    expect(wrapper.text()).not.toContain('1.2.156');
    expect(wrapper.text()).not.toContain('行政区划代码');
    expect(wrapper.text().match(/发证日期/g)).toHaveLength(1);
    expect(wrapper.text()).toContain('2020-08-01');
    expect(wrapper.text()).not.toContain('2026-12-02');
    expect(wrapper.get('.detail__facts').text()).toContain('张*');
    expect(wrapper.text()).not.toContain('张三');
    await wrapper.get('button.detail__reveal').trigger('click');
    await flushPromises();
    dialogButton('显示').click();
    await flushPromises();
    expect(wrapper.get('.detail__facts').text()).toContain('张三');
  });

  it('tells the holder of an expired certificate where to renew it, and does not let it be authorised', async () => {
    served = { ...realEstate, state: 'expired', daysLeft: null, expiryDate: '2026-11-02' };
    const wrapper = await mountDetail();
    expect(wrapper.get('.detail__next').text()).toContain('本证照已于 2026-11-02 到期');
    expect(wrapper.get('.detail__next').text()).toContain('北京市演示颁证机关');
    expect(wrapper.get('button.btn--primary').attributes('disabled')).toBeDefined();
  });

  it('offers an abolished certificate only the way to its successor', async () => {
    served = { ...realEstate, state: 'abolished', daysLeft: null, abolishReason: '共有情况变更', replacedBy: 'LC002' };
    const wrapper = await mountDetail();
    const actions = wrapper.get('.detail__actions');
    expect(actions.findAll('a, button').map((b) => b.text())).toEqual(['查看替代证照']);
    expect(actions.get('a').attributes('href')).toBe('/licenses/LC002');
    expect(wrapper.text()).not.toContain('在手机上查看');
  });
});
