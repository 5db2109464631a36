import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { computed, defineComponent, h, ref } from 'vue';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import type { AxiosAdapter } from 'axios';
import { respond } from './axios-edge.ts';
import type { Authorisation } from '@contract/bff';
import { http } from '../../src/web/api/http';
import ConsentSummary from '../../src/web/components/usage/ConsentSummary.vue';
import { useConsent, type ConsentTerms } from '../../src/web/composables/useConsent';
import { loadMessages } from '../../src/web/i18n';

// What the three consent screens (授权, a portal's embed, a counter's request QR) share, through
// useConsent with the real store and ConsentSummary. Only axios's adapter (the network edge) is replaced.
beforeAll(() => loadMessages(['usage']));

const sent: Array<Record<string, unknown>> = [];
let answer: { status: number; data: unknown };
let release: (() => void) | null = null;
let held = false;
const originalAdapter = http.defaults.adapter;

const adapter: AxiosAdapter = async (config) => {
  sent.push(JSON.parse(String(config.data)) as Record<string, unknown>);
  if (held) await new Promise<void>((r) => (release = r));
  return respond(config, answer.status, answer.data);
};

const authorisation = (): Authorisation => ({
  id: 'a1', authCode: 'C'.repeat(32), qrUrl: 'https://h5.example/c/x', counterCode: null, licenseCode: 'LC001', licenseName: '居民户口簿',
  serviceItemCode: 'SI1', serviceItemName: '户籍证明开具', orgName: '东城区政务服务中心', createdAt: new Date().toISOString(),
  expiresAt: new Date(Date.now() + 300_000).toISOString(), status: 'active', redemptions: [], revocable: true,
});

const items = {
  SI1: { orgName: '东城区政务服务中心', serviceItemName: '户籍证明开具', fields: [{ key: 'XM', name: '姓名', sensitive: false }, { key: 'SFZH', name: '身份证号', sensitive: true }] },
  SI2: { orgName: '西城区政务服务中心', serviceItemName: '居住登记', fields: [{ key: 'XM', name: '姓名', sensitive: false }, { key: 'SFZH', name: '身份证号', sensitive: true }] },
} as const;

/** A consent screen as the views build it: a choice, the terms it makes, and ConsentSummary bound to them. */
function screen(handled?: (err: unknown) => boolean) {
  const choice = ref<'SI1' | 'SI2'>('SI1');
  const done: Authorisation[] = [];
  let consent!: ReturnType<typeof useConsent>;
  const wrapper = mount(defineComponent({
    setup() {
      const terms = computed<ConsentTerms>(() => ({ ...items[choice.value], fields: [...items[choice.value].fields], licenseName: '居民户口簿', validitySeconds: 300 }));
      consent = useConsent(choice, terms);
      const confirm = () => consent.authorise({ licenseCode: 'LC001', serviceItemCode: choice.value, validitySeconds: 300 }, (a) => done.push(a), handled);
      return () => h('div', [
        h(ConsentSummary, {
          ...terms.value,
          sensitiveConsent: consent.sensitiveConsent.value,
          'onUpdate:sensitiveConsent': (v: boolean) => (consent.sensitiveConsent.value = v),
          canRevoke: consent.canRevoke.value,
          pending: consent.pending.value,
          onConfirm: confirm,
        }),
        consent.error.value ? h('p', { role: 'alert' }, consent.error.value) : null,
      ]);
    },
  }));
  return { wrapper, choice, done, consent: () => consent };
}

beforeEach(() => {
  setActivePinia(createPinia());
  http.defaults.adapter = adapter;
  sent.length = 0;
  answer = { status: 200, data: authorisation() };
  held = false;
  release = null;
});
afterEach(() => {
  http.defaults.adapter = originalAdapter;
});

describe('a consent screen', () => {
  it('makes one authorisation from a double tap, with the separate consent the holder gave', async () => {
    const { wrapper, done } = screen();
    await wrapper.get('[data-testid="sensitive-consent"]').setValue(true);
    held = true;
    const confirm = wrapper.get('[data-testid="consent-confirm"]');
    await confirm.trigger('click');
    await confirm.trigger('click');
    expect(confirm.text()).toBe('正在生成…');
    release?.();
    await flushPromises();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ licenseCode: 'LC001', serviceItemCode: 'SI1', sensitiveConsent: true });
    expect(done.map((a) => a.id)).toEqual(['a1']);
  });

  it('repeats the key for the same terms, and clears the separate consent and changes the key for another recipient', async () => {
    const { wrapper, choice } = screen();
    answer = { status: 503, data: { error: { code: 'UPSTREAM_UNAVAILABLE', message: '服务暂不可用', requestId: 'r1' } } };
    await wrapper.get('[data-testid="sensitive-consent"]').setValue(true);
    await wrapper.get('[data-testid="consent-confirm"]').trigger('click');
    await flushPromises();
    await wrapper.get('[data-testid="consent-confirm"]').trigger('click');
    await flushPromises();
    expect(sent[1]!.idempotencyKey).toBe(sent[0]!.idempotencyKey);

    choice.value = 'SI2';
    await flushPromises();
    expect(wrapper.get<HTMLInputElement>('[data-testid="sensitive-consent"]').element.checked).toBe(false);
    expect(wrapper.get<HTMLButtonElement>('[data-testid="consent-confirm"]').element.disabled).toBe(true);
    await wrapper.get('[data-testid="sensitive-consent"]').setValue(true);
    await wrapper.get('[data-testid="consent-confirm"]').trigger('click');
    await flushPromises();
    expect(sent[2]).toMatchObject({ serviceItemCode: 'SI2', sensitiveConsent: true });
    expect(sent[2]!.idempotencyKey).not.toBe(sent[0]!.idempotencyKey);
  });

  it('shows a refusal in the page, and lets the view take the ones it explains itself', async () => {
    answer = { status: 409, data: { error: { code: 'CERTIFICATE_NOT_USABLE', message: '该证照已废止', requestId: 'r2' } } };
    const plain = screen();
    await plain.wrapper.get('[data-testid="sensitive-consent"]').setValue(true);
    await plain.wrapper.get('[data-testid="consent-confirm"]').trigger('click');
    await flushPromises();
    expect(plain.wrapper.get('[role="alert"]').text()).toBe('该证照已废止');
    expect(plain.done).toEqual([]);

    const taken: unknown[] = [];
    const own = screen((err) => taken.push(err) > 0);
    await own.wrapper.get('[data-testid="sensitive-consent"]').setValue(true);
    await own.wrapper.get('[data-testid="consent-confirm"]').trigger('click');
    await flushPromises();
    expect(taken).toHaveLength(1);
    expect(own.wrapper.find('[role="alert"]').exists()).toBe(false);
    expect(own.consent().pending.value).toBe(false);
  });
});
