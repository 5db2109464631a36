import { onBeforeUnmount, onMounted, watch, type Ref } from 'vue';

interface WakeLockSentinelLike {
  released: boolean;
  release(): Promise<void>;
}
interface WakeLockLike {
  request(type: 'screen'): Promise<WakeLockSentinelLike>;
}

/**
 * Keeps the screen on while `active` is true (a scanner needs the code visible). Browsers drop
 * the lock when the page is hidden, so it is taken again on return. Where the Wake Lock API is
 * missing or refused (WeChat, older Safari, low battery) nothing happens: the page still works.
 */
export function useWakeLock(active: Ref<boolean>) {
  let sentinel: WakeLockSentinelLike | null = null;
  const api = (navigator as Navigator & { wakeLock?: WakeLockLike }).wakeLock;

  async function acquire() {
    if (!api || !active.value || document.visibilityState !== 'visible') return;
    if (sentinel && !sentinel.released) return;
    try {
      sentinel = await api.request('screen');
    } catch {
      sentinel = null;
    }
  }

  async function release() {
    const s = sentinel;
    sentinel = null;
    try {
      await s?.release();
    } catch {
      // Already released by the browser.
    }
  }

  const onVisibility = () => void (document.visibilityState === 'visible' ? acquire() : undefined);

  onMounted(() => {
    document.addEventListener('visibilitychange', onVisibility);
    void acquire();
  });
  onBeforeUnmount(() => {
    document.removeEventListener('visibilitychange', onVisibility);
    void release();
  });
  watch(active, (on) => void (on ? acquire() : release()));

  return { supported: Boolean(api) };
}
