// The one place dates and times become text, in each language's own way:
// - Chinese: GB/T 7408 (ISO 8601) numerals, 2026-11-28 and 2026-11-28 14:05, as national apps write them;
// - English: the month in words, Nov 28, 2026 and Nov 28, 2026, 14:05, never an ambiguous 11/12/2026.
// Instants are shown in the device's time zone; certificate dates (YYYY-MM-DD, no time) are
// calendar days and are never shifted by a time zone.
import { locale as currentLocale } from '../i18n';

const pad = (n: number) => String(n).padStart(2, '0');
const isChinese = (locale: string) => locale.toLowerCase().startsWith('zh');

function toDate(value: string | number | Date): Date | null {
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * An instant as date and time: "2026-11-28 14:05" (zh), "Nov 28, 2026, 14:05" (en); with
 * seconds when asked. '' for an unreadable value. The locale follows the app's by default.
 */
export function formatDateTime(value: string | number | Date, locale: string = currentLocale.value, withSeconds = false): string {
  const d = toDate(value);
  if (!d) return '';
  if (isChinese(locale)) {
    const time = `${pad(d.getHours())}:${pad(d.getMinutes())}${withSeconds ? `:${pad(d.getSeconds())}` : ''}`;
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
  }
  return new Intl.DateTimeFormat(locale, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
    ...(withSeconds ? { second: '2-digit' } : {}), hourCycle: 'h23',
  }).format(d);
}

/**
 * A calendar date as the certificate states it: "2020-08-01" (zh), "Aug 1, 2020" (en). Accepts
 * "YYYY-MM-DD" (or a timestamp that starts with one) and keeps that day as it is. '' for null.
 */
export function formatDate(value: string | null | undefined, locale: string = currentLocale.value): string {
  if (!value) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!m) return value;
  if (isChinese(locale)) return `${m[1]}-${m[2]}-${m[3]}`;
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(day);
}
