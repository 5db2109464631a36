// Pure rules of the embedding contract (issue 12): who may frame us and talk to us, what the
// host may ask for, and which in-app path a host may open. Table-tested in tests/unit.
import type { EmbedHostMessage } from '@contract/embed';
import { safeReturnTo } from '../composables/return-to';

export interface EmbedParams {
  /** The parent page's origin: the only postMessage target and the only sender we listen to. */
  host: string | null;
  /** Where to open inside the app (a same-origin path), when no service item is given. */
  path: string;
  serviceItemCode: string | null;
  locale: 'zh-CN' | 'en' | null;
  elder: boolean;
}

const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;
const SERVICE_ITEM = /^[A-Za-z0-9_-]{1,64}$/;

const first = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value);

/** An origin in the configured list, exactly (scheme, host and port). */
export function isAllowedOrigin(origin: unknown, allowed: readonly string[]): origin is string {
  return typeof origin === 'string' && ORIGIN.test(origin) && allowed.includes(origin);
}

/**
 * The frame's URL as the SDK builds it (/embed?host=&path=&serviceItemCode=&locale=&elder=1).
 * A host that is not allowed, or not the page that really frames us, is dropped: the app then
 * runs but tells nobody anything.
 */
export function parseEmbedParams(query: Record<string, unknown>, allowed: readonly string[], actualParent: string | null): EmbedParams {
  const host = first(query.host);
  const trusted = isAllowedOrigin(host, allowed) && (actualParent === null || actualParent === host) ? host : null;
  const item = first(query.serviceItemCode);
  const locale = first(query.locale);
  const elder = first(query.elder);
  return {
    host: trusted,
    path: safeReturnTo(first(query.path), '/'),
    serviceItemCode: typeof item === 'string' && SERVICE_ITEM.test(item) ? item : null,
    locale: locale === 'en' || locale === 'zh-CN' ? locale : null,
    elder: elder === '1' || elder === 'true',
  };
}

/** A message from the host page, or null when it is not one of ours or malformed. */
export function hostMessage(data: unknown): EmbedHostMessage | null {
  if (typeof data !== 'object' || data === null) return null;
  const m = data as Record<string, unknown>;
  if (m.source !== 'ecert-holder-host') return null;
  if (m.type === 'navigate' && typeof m.path === 'string' && safeReturnTo(m.path, '') === m.path) return { source: 'ecert-holder-host', type: 'navigate', path: m.path };
  if (m.type === 'locale' && (m.locale === 'en' || m.locale === 'zh-CN')) return { source: 'ecert-holder-host', type: 'locale', locale: m.locale };
  if (m.type === 'elder' && typeof m.elder === 'boolean') return { source: 'ecert-holder-host', type: 'elder', elder: m.elder };
  return null;
}

/** The parent's origin as the browser reports it (Chromium and Safari), or null where it cannot say. */
export function actualParentOrigin(): string | null {
  const ancestors = (window.location as Location & { ancestorOrigins?: DOMStringList }).ancestorOrigins;
  if (ancestors && ancestors.length > 0) return ancestors[0] ?? null;
  return null;
}

export function inFrame(): boolean {
  try {
    return window.top !== window.self;
  } catch {
    return true;
  }
}
