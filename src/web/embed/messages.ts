// The embed pages' texts, in the language the app shows (src/web/i18n picks it). Kept beside
// the embed pages so a top-level visit never downloads them.
import { locale } from '../i18n';
import { embed as zh } from '../i18n/zh-CN/embed';
import { embed as en } from '../i18n/en/embed';

export type EmbedMessageKey = keyof typeof zh;

export function te(key: EmbedMessageKey, params: Record<string, string | number> = {}): string {
  const text = (locale.value === 'en' ? en : zh)[key];
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}
