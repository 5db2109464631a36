// The counter's parts as staff use them: a result that takes itself off the screen, the typed
// code and the ID number checked before anything is sent.
import { beforeAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import type { CounterRedemption } from '@contract/counter';
import CounterResult from '../../src/web/components/counter/CounterResult.vue';
import CounterScanner from '../../src/web/components/counter/CounterScanner.vue';
import CounterByFunction from '../../src/web/components/counter/CounterByFunction.vue';
import { loadMessages } from '../../src/web/i18n';

// These pages' messages load with their route; a mounted component needs them loaded first.
beforeAll(() => loadMessages(['counter']));

const result: CounterRedemption = {
  licenseCode: 'L1', licenseItemCode: '100010601000021135110001', name: '居民户口簿', idCode: '1.2.156.3005.2.1', holderName: '张三',
  holderIdentityNum: '1101**********1233', holderIdentityType: '居民身份证', issueOrgName: '北京市演示颁证机关', issueDate: '2023-11-30',
  beginDate: '2023-11-30', expiryDate: null, state: 'valid', daysLeft: null,
  warnings: [{ code: 'not_accepted_by_item', message: '该证照不在“企业开办”所需的证照范围内，请核对办理事项' }],
  fields: [{ key: 'CYRSFZJHM', name: '持有人身份证件号码', value: '1101**********1233', sensitive: true, masked: true }],
  serviceItemName: '户籍业务办理', bizNum: 'DC1', redeemedAt: new Date().toISOString(), byFunction: false,
};

describe('CounterResult', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows the data with its warnings and clears itself after the configured time, which staff can extend', async () => {
    const wrapper = mount(CounterResult, { props: { result, clearSeconds: 5, archiveBusy: false } });
    expect(wrapper.text()).toContain('居民户口簿');
    expect(wrapper.text()).toContain('2023-11-30 起长期有效');
    expect(wrapper.text()).toContain('不在“企业开办”所需的证照范围内');
    expect(wrapper.text()).toContain('带 * 的敏感信息已按规定部分隐藏');
    expect(wrapper.text()).toContain('5 秒后自动清除本结果');

    await vi.advanceTimersByTimeAsync(3000);
    await wrapper.findAll('button').find((b) => b.text() === '再保留 1 分钟')?.trigger('click');
    await vi.advanceTimersByTimeAsync(3000);
    expect(wrapper.emitted('expire')).toBeUndefined();
    expect(wrapper.text()).toContain('59 秒后自动清除本结果');
    await vi.advanceTimersByTimeAsync(59_000);
    expect(wrapper.emitted('expire')).toHaveLength(1);
  });

  it('offers the archive to view and to download, and the next citizen', async () => {
    const wrapper = mount(CounterResult, { props: { result, clearSeconds: 60, archiveBusy: false } });
    const button = (name: string) => wrapper.findAll('button').find((b) => b.text() === name);
    await button('查看归档文件')?.trigger('click');
    await button('下载归档文件（PDF）')?.trigger('click');
    await button('下一位')?.trigger('click');
    expect(wrapper.emitted('archive')).toEqual([['view'], ['download']]);
    expect(wrapper.emitted('next')).toHaveLength(1);
  });
});

describe('CounterScanner typed code', () => {
  it.each([
    ['http://127.0.0.1:8080/c/b_G5WvMaHjaWcS0HL8W02aUbOGbh4N_thdqIp_Tsjk0', 'b_G5WvMaHjaWcS0HL8W02aUbOGbh4N_thdqIp_Tsjk0'],
    ['https://ecert.example.gov.cn/c/AbCdEfGhIjKlMnOpQrSt', 'AbCdEfGhIjKlMnOpQrSt'],
    ['  AbCdEfGhIjKlMnOpQrSt  ', 'AbCdEfGhIjKlMnOpQrSt'],
  ])('accepts %s', async (typed, code) => {
    const wrapper = mount(CounterScanner, { props: { busy: false } });
    await wrapper.find('#counter-manual-code').setValue(typed);
    await wrapper.find('form.counter-manual').trigger('submit');
    expect(wrapper.emitted('code')).toEqual([[code]]);
  });

  it.each(['hello', 'https://example.com/other/AbCdEfGhIjKlMnOpQrSt', 'AbC def'])('refuses %s with a message', async (typed) => {
    const wrapper = mount(CounterScanner, { props: { busy: false } });
    await wrapper.find('#counter-manual-code').setValue(typed);
    await wrapper.find('form.counter-manual').trigger('submit');
    expect(wrapper.emitted('code')).toBeUndefined();
    expect(wrapper.find('#counter-manual-error').text()).toBe('用证码格式不正确，请核对后重新输入');
  });
});

describe('CounterByFunction identity number', () => {
  it.each([
    ['110101199003071233', true],
    ['11010119900307123x', false],
    ['110101199003071234', false],
    ['110101199002301233', false],
    ['11010519491231002X', true],
  ])('%s is searched: %s', async (id, searched) => {
    const wrapper = mount(CounterByFunction, { props: { result: null, failure: null, searching: false, busy: false } });
    await wrapper.find('#counter-id-number').setValue(id);
    await wrapper.find('form').trigger('submit');
    expect(wrapper.emitted('search')).toEqual(searched ? [[id.toUpperCase(), 1]] : undefined);
    if (!searched) expect(wrapper.find('#counter-id-error').exists()).toBe(true);
  });
});
