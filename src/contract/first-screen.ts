// The wallet's first screen rendered by the BFF (issue 11): what the page carries for the app to
// hydrate from, and the preference cookies both sides read so they render the same page.
import type { LicenseCard, SessionUser } from './bff.ts';

/** id of the `<script type="application/json">` block that carries the state (never executed). */
export const FIRST_SCREEN_STATE_ID = 'first-screen-state';

export type FirstScreenLocale = 'zh-CN' | 'en';

/**
 * What the server rendered from. No token of any kind: the CSRF token still comes from
 * GET /api/session, which the app asks for once it is running.
 */
export interface FirstScreenState {
  user: SessionUser;
  idleExpiresAt: string;
  absoluteExpiresAt: string;
  licenses: LicenseCard[];
  locale: FirstScreenLocale;
  elder: boolean;
}

/**
 * Preferences the page mirrors into cookies so the server renders in them: 'en' or 'zh-CN', and
 * '1' for 长辈模式. Not secrets, not HttpOnly (the page writes them); anything else reads as unset.
 */
export const LOCALE_COOKIE = 'ecert_locale';
export const ELDER_COOKIE = 'ecert_elder';

export function parseLocale(value: unknown): FirstScreenLocale | null {
  return value === 'en' || value === 'zh-CN' ? value : null;
}
