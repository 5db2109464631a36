import { beforeAll, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import ConsentSummary from '../../src/web/components/usage/ConsentSummary.vue';
import { loadMessages } from '../../src/web/i18n';

// These pages' messages load with their route; a mounted component needs them loaded first.
beforeAll(() => loadMessages(['usage']));

const base = {
  orgName: '北京市东城区政务服务中心',
  serviceItemName: '户籍证明开具',
  licenseName: '居民户口簿',
  validitySeconds: 300,
  canRevoke: true,
};
const withSensitive = [
  { key: 'ZZMC', name: '证照名称', sensitive: false },
  { key: 'CYRSFZJHM', name: '持有人身份证件号码', sensitive: true },
];

describe('the consent summary', () => {
  it('says who receives which fields for what and for how long, marking the sensitive ones', () => {
    const w = mount(ConsentSummary, { props: { ...base, fields: withSensitive } });
    const text = w.text();
    expect(text).toContain('北京市东城区政务服务中心 将在办理「户籍证明开具」时获取您的「居民户口簿」中的以下信息');
    expect(text).toContain('5 分钟');
    expect(text).toContain('用证记录');
    const items = w.findAll('li');
    expect(items.map((li) => li.text())).toEqual(['证照名称', '持有人身份证件号码敏感']);
  });

  it('keeps confirm disabled until the separate consent to sensitive fields is ticked by the holder', async () => {
    const w = mount(ConsentSummary, { props: { ...base, fields: withSensitive } });
    const box = w.get<HTMLInputElement>('[data-testid="sensitive-consent"]');
    const confirm = w.get<HTMLButtonElement>('[data-testid="consent-confirm"]');
    expect(box.element.checked).toBe(false);
    expect(w.text()).toContain('我单独同意向 北京市东城区政务服务中心 提供持有人身份证件号码等敏感个人信息');
    expect(confirm.element.disabled).toBe(true);
    await confirm.trigger('click');
    expect(w.emitted('confirm')).toBeUndefined();

    await box.setValue(true);
    expect(w.emitted('update:sensitiveConsent')).toEqual([[true]]);
    expect(confirm.element.disabled).toBe(false);
    await confirm.trigger('click');
    expect(w.emitted('confirm')).toHaveLength(1);

    await box.setValue(false);
    expect(confirm.element.disabled).toBe(true);
  });

  it('asks no separate consent when nothing sensitive is shared, and declining is one tap', async () => {
    const w = mount(ConsentSummary, { props: { ...base, fields: [withSensitive[0]!] } });
    expect(w.find('[data-testid="sensitive-consent"]').exists()).toBe(false);
    const confirm = w.get<HTMLButtonElement>('[data-testid="consent-confirm"]');
    expect(confirm.element.disabled).toBe(false);
    await w.get('button:not([data-testid])').trigger('click');
    expect(w.emitted('cancel')).toHaveLength(1);
  });

  it('says the code cannot be withdrawn, instead of offering revocation, when the service has no revoke', () => {
    const w = mount(ConsentSummary, { props: { ...base, canRevoke: false, fields: [withSensitive[0]!] } });
    const note = w.get('[data-testid="consent-revoke-note"]').text();
    expect(note).toContain('不支持撤回');
    expect(note).not.toContain('用证记录');
  });

  it('disables confirm while the authorisation is being created', () => {
    const w = mount(ConsentSummary, { props: { ...base, fields: [withSensitive[0]!], pending: true } });
    const confirm = w.get<HTMLButtonElement>('[data-testid="consent-confirm"]');
    expect(confirm.element.disabled).toBe(true);
    expect(confirm.text()).toBe('正在生成…');
  });
});
