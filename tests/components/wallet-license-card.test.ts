import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { LicenseCard as Card, LicenseState } from '@contract/bff';
import LicenseCard from '../../src/web/components/wallet/LicenseCard.vue';

const router = createRouter({
  history: createMemoryHistory(),
  routes: [
    { path: '/', component: { template: '<p />' } },
    { path: '/licenses/:licenseCode', name: 'license', component: { template: '<p />' } },
  ],
});

function card(state: LicenseState, daysLeft: number | null, expiryDate: string | null = '2030-01-01'): Card {
  return {
    licenseCode: 'LC001', licenseItemCode: 'ITEM', name: '居民身份证', licenseType: 'CERTIFICATE',
    issueOrgName: '北京市公安局', idCode: '1101**********1233', beginDate: '2020-01-01', expiryDate, state, daysLeft,
  };
}

describe('LicenseCard', () => {
  it.each([
    ['valid', 400, '有效'],
    ['expiring', 12, '30天内到期，剩12天'],
    ['expired', null, '已过期'],
    ['abolished', null, '已废止'],
  ] as const)('says "%s" in words with its own icon, not by colour alone', async (state, daysLeft, words) => {
    const wrapper = mount(LicenseCard, { props: { license: card(state, daysLeft) }, global: { plugins: [router] } });
    const badge = wrapper.get('.state-badge');
    expect(badge.text()).toBe(words);
    expect(badge.find('svg[aria-hidden="true"]').exists()).toBe(true);
  });

  it('shows name, issuer, the masked number and validity, and links to the detail page', () => {
    const wrapper = mount(LicenseCard, { props: { license: card('valid', 400) }, global: { plugins: [router] } });
    expect(wrapper.get('h3').text()).toBe('居民身份证');
    expect(wrapper.text()).toContain('北京市公安局');
    expect(wrapper.text()).toContain('1101**********1233');
    expect(wrapper.text()).toContain('2020-01-01 至 2030-01-01');
    expect(wrapper.get('a').attributes('href')).toBe('/licenses/LC001');
  });

  it('says 长期有效 when there is no expiry date', () => {
    const wrapper = mount(LicenseCard, { props: { license: card('valid', null, null) }, global: { plugins: [router] } });
    expect(wrapper.text()).toContain('长期有效');
  });
});
