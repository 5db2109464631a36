import { beforeAll, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import UsageCodeNotice from '../../src/web/components/usage/UsageCodeNotice.vue';
import { loadMessages, setLocale } from '../../src/web/i18n';

// The QR page's plain words for a standard-only service (issue 9): what the holder can rely on.
beforeAll(() => loadMessages(['usage']));

describe('the usage-code notice', () => {
  it.each([
    [{ canRevoke: false, liveStatus: false }, ['用证码在 10:35 前有效，不能撤回。', '是否已使用以办事窗口确认为准；本服务不回传使用情况。']],
    [{ canRevoke: false, liveStatus: true }, ['用证码在 10:35 前有效，不能撤回。']],
    [{ canRevoke: true, liveStatus: false }, ['是否已使用以办事窗口确认为准；本服务不回传使用情况。']],
    [{ canRevoke: true, liveStatus: true }, []],
  ])('%o', (caps, lines) => {
    const w = mount(UsageCodeNotice, { props: { ...caps, expiresAt: '10:35' } });
    expect(w.findAll('li').map((li) => li.text())).toEqual(lines);
  });

  it('has the same words in English', async () => {
    await setLocale('en');
    try {
      const w = mount(UsageCodeNotice, { props: { canRevoke: false, liveStatus: false, expiresAt: '10:35' } });
      expect(w.text()).toContain('valid until 10:35 and cannot be withdrawn');
      expect(w.text()).toContain('Use is confirmed at the counter');
    } finally {
      await setLocale('zh-CN');
    }
  });
});
