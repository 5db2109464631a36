// GET /api/session, POST /api/session/extend, POST /auth/logout.
import type { ServiceCapabilities, SessionInfo } from '@contract/bff';
import { getJson, http, postJson } from './http';

export function fetchSession(): Promise<SessionInfo> {
  return getJson<SessionInfo>('/session');
}

/** What the sharing service behind the BFF can do (revoke, reported uses, live status, mobile view). */
export function fetchCapabilities(): Promise<ServiceCapabilities> {
  return getJson<ServiceCapabilities>('/capabilities');
}

export function extendSession(): Promise<SessionInfo> {
  return postJson<SessionInfo>('/session/extend');
}

/** Where the browser goes to finish signing out: the provider's end-session page, when it has one. */
export async function logout(): Promise<string | null> {
  // /auth lives beside /api, not under it.
  const res = await http.post<unknown>('/auth/logout', undefined, { baseURL: '/' });
  const body = res.data as Record<string, unknown> | null;
  for (const key of ['url', 'redirectTo', 'endSessionUrl', 'location']) {
    const value = body?.[key];
    if (typeof value === 'string' && value) return value;
  }
  // A 303 the XHR followed: the final URL is where the BFF sent us.
  const finalUrl = (res.request as XMLHttpRequest | undefined)?.responseURL;
  if (finalUrl && !new URL(finalUrl).pathname.startsWith('/auth/logout')) return finalUrl;
  return null;
}
