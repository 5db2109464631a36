// 长辈模式 and the language, mirrored into cookies so the BFF renders the first screen in them
// (issue 11): the page and the server then read the same values and hydration finds no
// difference. localStorage stays the fallback for choices made before the cookies existed.
const YEAR_S = 365 * 24 * 60 * 60;

export function readPreferenceCookie(name: string): string | null {
  if (typeof document === 'undefined') return null;
  for (const part of document.cookie.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return null;
}

/** `null` removes it. Same site only; Secure whenever the page is. */
export function writePreferenceCookie(name: string, value: string | null): void {
  if (typeof document === 'undefined') return;
  const secure = window.location.protocol === 'https:' ? '; secure' : '';
  document.cookie = `${name}=${value ?? ''}; path=/; max-age=${value === null ? 0 : YEAR_S}; samesite=lax${secure}`;
}
