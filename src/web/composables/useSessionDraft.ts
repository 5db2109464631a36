import { ref, watch, type Ref } from 'vue';

/**
 * A ref kept in sessionStorage under `ecert.draft.<key>`, so what the holder was doing survives
 * a trip through the login page after the session expired. Only for non-sensitive choices
 * (a selected service item, a chosen validity), never for identity numbers or codes.
 */
export function useSessionDraft<T>(key: string, initial: T): { draft: Ref<T>; clearDraft: () => void } {
  const storageKey = `ecert.draft.${key}`;
  let start = initial;
  try {
    const saved = sessionStorage.getItem(storageKey);
    if (saved !== null) start = JSON.parse(saved) as T;
  } catch {
    // Unreadable or unavailable: start fresh.
  }
  const draft = ref(start) as Ref<T>;
  watch(draft, (value) => {
    try {
      sessionStorage.setItem(storageKey, JSON.stringify(value));
    } catch {
      // Storage full or disabled: the draft lives only in memory.
    }
  }, { deep: true });
  function clearDraft(): void {
    try {
      sessionStorage.removeItem(storageKey);
    } catch {
      // nothing stored
    }
  }
  return { draft, clearDraft };
}
