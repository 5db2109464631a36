// The spec's extensions to DB11/T 2290 section 6 ("Standard and extensions"): named once, so the
// BFF's capability probe, its settings and the sandbox's switch all speak of the same five.

export const UPSTREAM_EXTENSIONS = ['revoke', 'uses', 'events', 'data_item_keys', 'license_by_token'] as const;
export type UpstreamExtension = (typeof UPSTREAM_EXTENSIONS)[number];

/** The path each extension adds under the API root (data_item_keys rides on service_item/list). */
export const EXTENSION_PATHS: Record<UpstreamExtension, string | null> = {
  revoke: 'license/auth_code/revoke',
  uses: 'license/auth_code/uses',
  events: 'license/auth_code/events',
  data_item_keys: null,
  license_by_token: 'license/license_by_token',
};

/**
 * Reads a setting such as `all`, `none` or `revoke,uses`; null when a name is unknown, so the
 * caller can refuse it with one line naming the setting.
 */
export function parseExtensionList(raw: string): UpstreamExtension[] | null {
  const text = raw.trim().toLowerCase();
  if (text === 'all') return [...UPSTREAM_EXTENSIONS];
  if (text === 'none' || text === '') return [];
  const names = text.split(/[\s,]+/).filter(Boolean);
  const known = new Set<string>(UPSTREAM_EXTENSIONS);
  if (!names.every((n) => known.has(n))) return null;
  return UPSTREAM_EXTENSIONS.filter((e) => names.includes(e));
}
