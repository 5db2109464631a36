// A deliberately small i18n: Chinese is bundled, English is loaded on first use. vue-i18n
// would add ~15 KB gzip to the first screen for what one lookup function does here.
import { ref, watch } from 'vue';
import { zhCN, type Messages } from './zh-CN';

export type Locale = 'zh-CN' | 'en';

const STORAGE_KEY = 'ecert.locale';
const loaded: Partial<Record<Locale, Messages>> = { 'zh-CN': zhCN };
const current = ref<Messages>(zhCN);
export const locale = ref<Locale>('zh-CN');

function storedLocale(): Locale | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'en' || v === 'zh-CN' ? v : null;
  } catch {
    return null;
  }
}

async function load(l: Locale): Promise<Messages> {
  const cached = loaded[l];
  if (cached) return cached;
  const messages = (await import('./en')).en;
  loaded[l] = messages;
  return messages;
}

export async function setLocale(l: Locale): Promise<void> {
  current.value = await load(l);
  locale.value = l;
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    // Private mode: the choice lasts for this visit only.
  }
}

watch(locale, (l) => {
  document.documentElement.lang = l;
});

/** Picks the saved choice; Chinese unless the holder chose English on this device. */
export async function initLocale(): Promise<void> {
  const saved = storedLocale();
  if (saved && saved !== 'zh-CN') await setLocale(saved);
}

/** t('home.heading'), t('x.y', { n: 3 }) with {n} placeholders. Missing keys show the key. */
export function t(key: string, params?: Record<string, string | number>): string {
  let node: unknown = current.value;
  for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  let text = typeof node === 'string' ? node : key;
  if (params) for (const [k, v] of Object.entries(params)) text = text.replaceAll(`{${k}}`, String(v));
  return text;
}

export function useI18n() {
  return { t, locale, setLocale };
}
