import { ref, watch } from 'vue';
import { defineStore } from 'pinia';

const ELDER_KEY = 'ecert.elder';

function readElder(): boolean {
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
    document.documentElement.classList.toggle('elder', on);
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
