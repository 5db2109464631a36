import { beforeAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h, ref } from 'vue';
import { mount } from '@vue/test-utils';
import { useServerEvents } from '../../src/web/composables/useServerEvents';
import { loadMessages } from '../../src/web/i18n';

// These pages' messages load with their route; a mounted component needs them loaded first.
beforeAll(() => loadMessages(['usage', 'history']));

/** The browser's EventSource, played by hand: the network edge of the live status. */
class FakeEventSource {
  static CLOSED = 2;
  static instances: FakeEventSource[] = [];
  readyState = 0;
  closed = false;
  readonly listeners = new Map<string, Array<(e: unknown) => void>>();
  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }
  addEventListener(type: string, fn: (e: unknown) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  emit(type: string, data?: unknown) {
    for (const fn of this.listeners.get(type) ?? []) fn({ data: JSON.stringify(data) });
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
}

function harness(url = '/api/authorisations/a1/events') {
  const received: unknown[] = [];
  const poll = vi.fn(async () => undefined);
  const target = ref<string | null>(url);
  let live!: ReturnType<typeof useServerEvents>;
  const wrapper = mount(defineComponent({
    setup() {
      live = useServerEvents<{ status: string }>({ url: target, event: 'status', onData: (d) => received.push(d), poll, pollIntervalMs: 2000 });
      return () => h('div');
    },
  }));
  return { wrapper, received, poll, target, live: () => live };
}

describe('live status of a usage code', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeEventSource.instances = [];
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('delivers pushed status events and closes the stream when the page stops listening', async () => {
    vi.stubGlobal('EventSource', FakeEventSource);
    const { wrapper, received, poll, target } = harness();
    const es = FakeEventSource.instances[0]!;
    expect(es.url).toBe('/api/authorisations/a1/events');
    es.emit('status', { status: 'used' });
    expect(received).toEqual([{ status: 'used' }]);
    target.value = null;
    await wrapper.vm.$nextTick();
    expect(es.closed).toBe(true);
    expect(poll).not.toHaveBeenCalled();
    wrapper.unmount();
  });

  it('polls every 2 s after the stream fails three times in a row', async () => {
    vi.stubGlobal('EventSource', FakeEventSource);
    const { wrapper, poll, live } = harness();
    const es = FakeEventSource.instances[0]!;
    es.emit('error');
    es.emit('error');
    expect(live().mode.value).toBe('stream');
    es.emit('error');
    expect(live().mode.value).toBe('polling');
    expect(es.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(poll).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(4000);
    expect(poll).toHaveBeenCalledTimes(3);
    wrapper.unmount();
    await vi.advanceTimersByTimeAsync(4000);
    expect(poll).toHaveBeenCalledTimes(3);
  });

  it('polls from the start where there is no EventSource', async () => {
    vi.stubGlobal('EventSource', undefined);
    const { wrapper, poll, live } = harness();
    expect(live().mode.value).toBe('polling');
    await vi.advanceTimersByTimeAsync(2000);
    expect(poll).toHaveBeenCalledTimes(2);
    wrapper.unmount();
  });
});
