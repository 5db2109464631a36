import { onBeforeUnmount, ref } from 'vue';

/** Follows the system's light / dark setting, live. */
export function useColorScheme() {
  const query = window.matchMedia?.('(prefers-color-scheme: dark)');
  const dark = ref(query?.matches ?? false);
  const update = (e: MediaQueryListEvent) => (dark.value = e.matches);
  query?.addEventListener?.('change', update);
  onBeforeUnmount(() => query?.removeEventListener?.('change', update));
  return { dark };
}
