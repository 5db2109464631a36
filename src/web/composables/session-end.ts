// What happens to the holder's data when a session ends, however it ends: signing out, the idle
// timeout, or a session the server no longer knows (401). Certificates leave the screen and the
// stores at once, not when the next page has loaded; and the login page can tell a holder whose
// session was lost ("登录已过期") from one who signed out or arrives for the first time.
import { getActivePinia } from 'pinia';
import { useLicensesStore } from '../stores/licenses';

/** Per tab: set while signed in, removed on an explicit sign-out; left behind when a session is lost. */
const HAD_SESSION_KEY = 'ecert.had-session';
/** On <html> from an explicit sign-out until the page unloads: the content is hidden, not just emptied. */
export const SIGNED_OUT_CLASS = 'signed-out';

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: the login page simply does not say "expired"
  }
}

export function rememberSignedIn(): void {
  storage()?.setItem(HAD_SESSION_KEY, '1');
}

/** Whether this tab was signed in and the session ended without the holder signing out. */
export function sessionWasLost(): boolean {
  return storage()?.getItem(HAD_SESSION_KEY) === '1';
}

/** Empties every store that holds a holder's data. Stores never created in this visit hold none. */
export async function forgetHolderData(): Promise<void> {
  useLicensesStore().reset();
  const created = getActivePinia()?.state.value ?? {};
  // Loaded only when their pages were opened, so the first screen does not carry them.
  if (created.authorisations) {
    const { useAuthorisationsStore } = await import('../stores/authorisations');
    useAuthorisationsStore().$patch({ byId: {}, history: [] });
  }
  if (created.counter) {
    const { useCounterStore } = await import('../stores/counter');
    useCounterStore().clearResult();
  }
}

/** An explicit sign-out: nothing of the holder stays on screen or in memory while it completes. */
export function beginSignOut(): void {
  storage()?.removeItem(HAD_SESSION_KEY);
  document.documentElement.classList.add(SIGNED_OUT_CLASS);
  void forgetHolderData();
}

/**
 * A page restored from the back-forward cache after a sign-out shows nothing (its stores are
 * empty and its content hidden): load it afresh so it asks who is signed in.
 */
export function reloadIfRestoredAfterSignOut(event: PageTransitionEvent): void {
  if (event.persisted && document.documentElement.classList.contains(SIGNED_OUT_CLASS)) window.location.reload();
}
