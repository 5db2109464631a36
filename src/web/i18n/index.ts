// A deliberately small i18n: Chinese is bundled for the first screen, English is loaded on
// first use, and the areas only some pages need (usage, history, counter) are loaded with
// those pages. vue-i18n would add ~15 KB gzip to the first screen for what one lookup does here.
import { ref, shallowRef, watch } from 'vue';
import { LOCALE_COOKIE, parseLocale } from '@contract/first-screen';
import { readPreferenceCookie, writePreferenceCookie } from '../stores/preference-cookies';
import { zhCN, type CoreMessages, type LazyArea, type LazyMessages, type Messages } from './zh-CN';

export type Locale = 'zh-CN' | 'en';
export type { LazyArea };

const STORAGE_KEY = 'ecert.locale';
const core: Partial<Record<Locale, CoreMessages>> = { 'zh-CN': zhCN };
const current = shallowRef<Messages>(zhCN);
export const locale = ref<Locale>('zh-CN');
/** Areas some page has asked for; a language switch reloads them in the new language. */
const wantedAreas = new Set<LazyArea>();

type AreaModule = Record<string, LazyMessages[LazyArea]>;
const areaLoaders: Record<Locale, Record<string, () => Promise<unknown>>> = {
  'zh-CN': import.meta.glob(['./zh-CN/usage.ts', './zh-CN/history.ts', './zh-CN/counter.ts']),
  en: import.meta.glob(['./en/usage.ts', './en/history.ts', './en/counter.ts']),
};

/** The cookie first (the server rendered the first screen from it), then this device's storage. */
function storedLocale(): Locale | null {
  const cookie = parseLocale(readPreferenceCookie(LOCALE_COOKIE));
  if (cookie) return cookie;
  try {
    return parseLocale(localStorage.getItem(STORAGE_KEY));
  } catch {
    return null;
  }
}

async function loadCore(l: Locale): Promise<CoreMessages> {
  const cached = core[l];
  if (cached) return cached;
  const messages = (await import('./en')).en;
  core[l] = messages;
  return messages;
}

async function loadAreas(l: Locale, areas: Iterable<LazyArea>): Promise<Partial<LazyMessages>> {
  const entries = await Promise.all(
    [...areas].map(async (area) => {
      const load = areaLoaders[l][`./${l}/${area}.ts`];
      if (!load) throw new Error(`no messages for ${area}`);
      const mod = (await load()) as AreaModule;
      return [area, mod[area]] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** Makes sure the named areas' messages are there before a page that uses them renders. */
export async function loadMessages(areas: readonly LazyArea[]): Promise<void> {
  const missing = areas.filter((a) => !current.value[a]);
  areas.forEach((a) => wantedAreas.add(a));
  if (missing.length === 0) return;
  const loaded = await loadAreas(locale.value, missing);
  current.value = { ...current.value, ...loaded };
}

/** Shows the app in this language without remembering it (the first screen's, when hydrating). */
export async function applyLocale(l: Locale): Promise<void> {
  const [base, areas] = await Promise.all([loadCore(l), loadAreas(l, wantedAreas)]);
  current.value = { ...base, ...areas };
  locale.value = l;
}

/** An explicit choice (header or menu): applied and remembered on this device. */
export async function setLocale(l: Locale): Promise<void> {
  await applyLocale(l);
  writePreferenceCookie(LOCALE_COOKIE, l);
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    // Private mode: the choice lasts for this visit only.
  }
}

if (!import.meta.env.SSR) {
  watch(locale, (l) => {
    document.documentElement.lang = l;
  });
}

/**
 * The language of a first visit from the browser's preferences (navigator.languages, best first):
 * the first one we have decides, en-* opens in English, zh-* and anything else in Chinese.
 */
export function browserLocale(languages: readonly string[]): Locale {
  for (const tag of languages) {
    const primary = tag.toLowerCase().split(/[-_]/)[0];
    if (primary === 'zh') return 'zh-CN';
    if (primary === 'en') return 'en';
  }
  return 'zh-CN';
}

function navigatorLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language].filter(Boolean);
}

/** The holder's explicit choice on this device wins; otherwise the browser's language, not saved. */
export async function initLocale(): Promise<void> {
  const stored = storedLocale();
  // A choice made before the cookie existed: mirror it, so the server renders in it next time.
  if (stored && !readPreferenceCookie(LOCALE_COOKIE)) writePreferenceCookie(LOCALE_COOKIE, stored);
  const wanted = stored ?? browserLocale(navigatorLanguages());
  if (wanted !== locale.value) await applyLocale(wanted);
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
