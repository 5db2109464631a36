// The page's side of the safe return path: the rule itself is shared with the BFF
// (src/contract/return-to.ts); this file adds what only the page needs.
import { safeReturnTo } from '@contract/return-to';

export { safeReturnTo };

/** Where the BFF's login starts, coming back to `returnTo`. */
export function loginUrl(returnTo: string): string {
  return `/auth/login?return_to=${encodeURIComponent(safeReturnTo(returnTo))}`;
}

/** The home page of a role: holders see their wallet, counter staff the counter. */
export function homeOf(role: string | null | undefined): string {
  return role === 'counter_staff' ? '/counter' : '/';
}
