// Pure helpers of the usage pages: no Vue, no DOM, so they are tested with tables.
import type { Redemption } from '@contract/bff';

/** 305 -> "05:05"; an hour or more -> "1:00:05". Never negative. */
export function formatCountdown(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mmss = `${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

/**
 * Whether a screen reader hears the remaining time now: each whole minute, and at 30 s and
 * 10 s. Every second would drown everything else out (WCAG 2.2.1 asks for warnings, not noise).
 */
export function isAnnouncementPoint(remainingSeconds: number): boolean {
  if (remainingSeconds <= 0) return false;
  return remainingSeconds % 60 === 0 || remainingSeconds === 30 || remainingSeconds === 10;
}

/** "A1B2C3D4E5" -> "A1B2 C3D4 E5": short groups are easier to read aloud and type. */
export function groupCode(code: string, size = 4): string {
  const clean = code.replace(/\s+/g, '');
  const groups: string[] = [];
  for (let i = 0; i < clean.length; i += size) groups.push(clean.slice(i, i + size));
  return groups.join(' ');
}

/** Names mask by the one rule every room uses (欧*明, docs/decisions.md "One masking rule"). */
export { maskName } from '@contract/masking';

/** The validity choices offered on the consent screen, all within the configured bounds. */
export function validityChoices(bounds: { minSeconds: number; maxSeconds: number; defaultSeconds: number }): number[] {
  const candidates = [60, 180, 300, 600, 900, 1800, 3600, 7200];
  const within = candidates.filter((s) => s >= bounds.minSeconds && s <= bounds.maxSeconds);
  const all = new Set([...within, bounds.defaultSeconds].filter((s) => s >= bounds.minSeconds && s <= bounds.maxSeconds));
  if (all.size === 0) all.add(bounds.minSeconds);
  const sorted = [...all].sort((a, b) => a - b);
  if (sorted.length <= 4) return sorted;
  // Keep the default and its neighbours: a long row of choices is harder, not kinder.
  const i = Math.max(0, sorted.indexOf(bounds.defaultSeconds));
  const start = Math.min(Math.max(0, i - 1), sorted.length - 4);
  return sorted.slice(start, start + 4);
}

/** i18n key of how the certificate was used: data, file, view, or by function. */
export function interfaceKey(iface: Redemption['interface'], byFunction = false): string {
  if (byFunction || iface === 'auth') return 'history.interface.byFunction';
  return { get_license: 'history.interface.data', archive: 'history.interface.file', token: 'history.interface.view' }[iface];
}

/** What the organisation did, in a citizen's words: 窗口查看了证照信息, 下载了证照文件 ... */
export function useVerbKey(iface: Redemption['interface'], byFunction = false): string {
  if (byFunction || iface === 'auth') return 'history.verb.byFunction';
  return { get_license: 'history.verb.data', archive: 'history.verb.file', token: 'history.verb.view' }[iface];
}

// Dates have one formatting module for the whole app (each locale's own format).
export { formatDateTime } from '../../composables/format-time';

/** 300 -> { unit: 'minutes', n: 5 }; 7200 -> { unit: 'hours', n: 2 }; 90 -> 1.5 minutes. */
export function durationParts(seconds: number): { unit: 'minutes' | 'hours'; n: number } {
  if (seconds >= 3600 && seconds % 3600 === 0) return { unit: 'hours', n: seconds / 3600 };
  return { unit: 'minutes', n: Math.round((seconds / 60) * 10) / 10 };
}

/** A fresh idempotency key. randomUUID needs a secure context; plain-http LAN testing has none. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The holder's last used service item first (when offered at all); the others keep the BFF's order. */
export function lastUsedFirst<T extends { serviceItemCode: string }>(items: T[], lastUsed: string | null | undefined): T[] {
  const i = lastUsed ? items.findIndex((s) => s.serviceItemCode === lastUsed) : -1;
  return i <= 0 ? items : [items[i]!, ...items.slice(0, i), ...items.slice(i + 1)];
}
