import { computed, onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue';

/**
 * Seconds left until `expiresAt`, ticking once a second while mounted. `clockOffsetMs` is how
 * far the device clock runs ahead of the server's, so a phone with a wrong clock still counts
 * down the code's real lifetime.
 */
export function useCountdown(expiresAt: Ref<string | null | undefined>, clockOffsetMs: Ref<number> = ref(0)) {
  const now = ref(Date.now());
  let timer: ReturnType<typeof setTimeout> | undefined;

  const remaining = computed(() => {
    if (!expiresAt.value) return 0;
    const end = Date.parse(expiresAt.value) + clockOffsetMs.value;
    return Math.max(0, Math.ceil((end - now.value) / 1000));
  });

  function schedule() {
    clearTimeout(timer);
    now.value = Date.now();
    // Align ticks to the whole second of the expiry so mm:ss never skips or repeats a value.
    const end = expiresAt.value ? Date.parse(expiresAt.value) + clockOffsetMs.value : now.value;
    const delay = ((end - now.value) % 1000 + 1000) % 1000 || 1000;
    timer = setTimeout(schedule, delay + 5);
  }

  // Hidden tabs get throttled timers: recompute at once when the holder comes back.
  const onVisible = () => document.visibilityState === 'visible' && schedule();

  onMounted(() => {
    schedule();
    document.addEventListener('visibilitychange', onVisible);
  });
  onBeforeUnmount(() => {
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisible);
  });
  watch([expiresAt, clockOffsetMs], schedule);

  return { remaining, now };
}
