import { ref, watch } from 'vue';
import { defineStore } from 'pinia';
import { ELDER_COOKIE } from '@contract/first-screen';
import { readPreferenceCookie, writePreferenceCookie } from './preference-cookies';

const ELDER_KEY = 'ecert.elder';

/** The cookie first (the server rendered the first screen from it), then this device's storage. */
function readElder(): boolean {
  const cookie = readPreferenceCookie(ELDER_COOKIE);
  if (cookie !== null) return cookie === '1';
  try {
    return localStorage.getItem(ELDER_KEY) === '1';
  } catch {
    return false;
  }
}

/** Choices remembered on this device: 长辈模式 (larger type and targets, simpler pages). */
export const usePreferencesStore = defineStore('preferences', () => {
  const elder = ref(readElder());

  watch(elder, (on) => {
    if (import.meta.env.SSR) return;
    document.documentElement.classList.toggle('elder', on);
    writePreferenceCookie(ELDER_COOKIE, on ? '1' : null);
    try {
      if (on) localStorage.setItem(ELDER_KEY, '1');
      else localStorage.removeItem(ELDER_KEY);
    } catch {
      // Private mode: the choice lasts for this visit only.
    }
  }, { immediate: true });

  function setElder(on: boolean): void {
    elder.value = on;
  }

  return { elder, setElder };
});
