import { computed, ref } from 'vue';
import { defineStore } from 'pinia';
import type { Role, SessionInfo, SessionUser } from '@contract/bff';
import { ApiRequestError, setCsrfToken, setSuccessHandler } from '../api/http';
import { extendSession, fetchSession, logout } from '../api/session';

/** The signed-in holder or staff member, as the BFF reports it. */
export const useSessionStore = defineStore('session', () => {
  const user = ref<SessionUser | null>(null);
  /** Whether GET /api/session has answered at least once (signed in or not). */
  const checked = ref(false);
  const idleExpiresAt = ref<number | null>(null);
  const absoluteExpiresAt = ref<number | null>(null);
  /** Length of the idle window, learnt from the first answer, to move the expiry on activity. */
  const idleWindowMs = ref(0);
  let inflight: Promise<SessionUser | null> | null = null;

  const role = computed<Role | null>(() => user.value?.role ?? null);
  const signedIn = computed(() => user.value !== null);

  function apply(info: SessionInfo): void {
    user.value = info.user;
    setCsrfToken(info.csrfToken);
    const idle = Date.parse(info.idleExpiresAt);
    idleExpiresAt.value = Number.isNaN(idle) ? null : idle;
    absoluteExpiresAt.value = Date.parse(info.absoluteExpiresAt) || null;
    if (idleExpiresAt.value) idleWindowMs.value = Math.max(0, idleExpiresAt.value - Date.now());
  }

  /**
   * Who the server rendered the first screen for (issue 11). Counts as an answer for the guards;
   * the CSRF token is not in the page, so the caller asks GET /api/session for it right after.
   */
  function adopt(info: Omit<SessionInfo, 'csrfToken'>): void {
    apply({ ...info, csrfToken: '' });
    setCsrfToken(null);
    checked.value = true;
  }

  function clear(): void {
    user.value = null;
    idleExpiresAt.value = null;
    absoluteExpiresAt.value = null;
    setCsrfToken(null);
  }

  /** Asks the BFF once (concurrent callers share the call); `force` asks again. */
  function load(force = false): Promise<SessionUser | null> {
    if (checked.value && !force) return Promise.resolve(user.value);
    inflight ??= fetchSession()
      .then((info) => {
        apply(info);
        return info.user;
      })
      .catch((err: unknown) => {
        if (err instanceof ApiRequestError && err.status === 401) {
          clear();
          return null;
        }
        throw err;
      })
      .finally(() => {
        checked.value = true;
        inflight = null;
      });
    return inflight;
  }

  async function extend(): Promise<void> {
    apply(await extendSession());
  }

  /** Ends the BFF session, then the provider's (its end-session page), else back to /login. */
  async function signOut(): Promise<void> {
    let next: string | null = null;
    try {
      next = await logout();
    } catch {
      // Already signed out on the server (401) or offline: the local state goes anyway.
    }
    clear();
    checked.value = false;
    window.location.assign(next ?? '/login');
  }

  // Any answered API call moved the server's idle expiry; keep our estimate in step.
  setSuccessHandler(() => {
    if (user.value && idleWindowMs.value > 0) {
      const next = Date.now() + idleWindowMs.value;
      idleExpiresAt.value = absoluteExpiresAt.value ? Math.min(next, absoluteExpiresAt.value) : next;
    }
  });

  return { user, role, signedIn, checked, idleExpiresAt, absoluteExpiresAt, idleWindowMs, load, adopt, extend, signOut, clear };
});
