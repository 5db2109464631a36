import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { LicenseCard as Card, LicenseState } from '@contract/bff';
import LicenseCard from '../../src/web/components/wallet/LicenseCard.vue';
import { useLicensesStore } from '../../src/web/stores/licenses';

const router = createRouter({
  history: createMemoryHistory(),
  routes: [
    { path: '/', component: { template: '<p />' } },
    { path: '/licenses/:licenseCode', name: 'license', component: { template: '<p />' } },
  ],
});

function card(state: LicenseState, daysLeft: number | null, expiryDate: string | null = '2030-01-01', more: Partial<Card> = {}): Card {
  return {
    licenseCode: 'LC001', licenseItemCode: 'ITEM', name: '居民身份证', licenseType: 'CERTIFICATE',
    issueOrgName: '北京市公安局', idCode: '1101**********1233', beginDate: '2020-01-01', expiryDate, state, daysLeft, ...more,
  };
}

const mountCard = (license: Card) => mount(LicenseCard, { props: { license }, global: { plugins: [router] } });

beforeEach(() => setActivePinia(createPinia()));

describe('LicenseCard', () => {
  it.each([
    ['valid', 400, '有效'],
    ['expiring', 12, '30天内到期，剩12天'],
    ['expired', null, '已过期'],
    ['abolished', null, '已废止'],
  ] as const)('says "%s" in words with its own icon, not by colour alone', async (state, daysLeft, words) => {
    const badge = mountCard(card(state, daysLeft)).get('.state-badge');
    expect(badge.text()).toBe(words);
    expect(badge.find('svg[aria-hidden="true"]').exists()).toBe(true);
  });

  it('leads with the name and the number printed on the document, then validity and issuer, and links to the detail page', () => {
    const wrapper = mountCard(card('valid', 400, '2030-01-01', { idCode: '京(2020)东城区不动产权第0012345号' }));
    expect(wrapper.get('h3').text()).toBe('居民身份证');
    expect(wrapper.get('h3 + p').text()).toBe('证照编号京(2020)东城区不动产权第0012345号');
    expect(wrapper.text()).toContain('北京市公安局');
    expect(wrapper.text()).toContain('2020-01-01 至 2030-01-01');
    expect(wrapper.get('a').attributes('href')).toBe('/licenses/LC001');
  });

  it('shows a masked number masked, and never the service identifier 1.2.156…', () => {
    expect(mountCard(card('valid', 400)).text()).toContain('1101**********1233');
    const identifier = mountCard(card('valid', 400, null, { idCode: '1.2.156.3005.2.11100000000000000.00000012.001.K' }));
    expect(identifier.text()).not.toContain('1.2.156');
    expect(identifier.find('.license-card__number').exists()).toBe(false);
  });

  it('says 长期有效 when there is no expiry date, and from when if another card has the same name', () => {
    expect(mountCard(card('valid', null, null)).text()).toContain('长期有效');
    useLicensesStore().cards = [card('valid', null, null), card('abolished', null, null, { licenseCode: 'LC002', beginDate: '2018-05-20' })];
    const twin = mountCard(card('valid', null, null));
    expect(twin.text()).toContain('2020-01-01 起长期有效');
  });
});
