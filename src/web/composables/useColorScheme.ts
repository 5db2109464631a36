import { onBeforeUnmount, ref } from 'vue';

/** Follows the system's light / dark setting, live. */
export function useColorScheme() {
  // Not known on the server (the first screen's CSS follows the media query itself: base.css).
  const query = typeof window === 'undefined' ? undefined : window.matchMedia?.('(prefers-color-scheme: dark)');
  const dark = ref(query?.matches ?? false);
  const update = (e: MediaQueryListEvent) => (dark.value = e.matches);
  query?.addEventListener?.('change', update);
  onBeforeUnmount(() => query?.removeEventListener?.('change', update));
  return { dark };
}
