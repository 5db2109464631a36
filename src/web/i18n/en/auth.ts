import type { CoreMessages } from '../zh-CN';

export const auth: CoreMessages['auth'] = {
  title: 'Sign in',
  heading: 'Unified identity sign-in',
  intro: 'Sign in with your Beijing unified identity account to view and use your own e-certificates.',
  whatHappens: 'The button below takes you to the unified identity platform to confirm who you are, then brings you straight back here.',
  privacy: 'This app never sees or stores your password.',
  paper: 'Paper documents remain valid; e-certificates are never the only way.',
  returnHint: 'After signing in you will return to the page you were on.',
  button: 'Unified identity sign-in',
  redirecting: 'Going to the unified identity platform…',
  popupOpened: 'The sign-in page opened in a new window. Finish signing in there; this page refreshes by itself afterwards.',
  popupBlocked: 'The browser blocked the sign-in window. Allow pop-ups and try again, or open this page in the browser.',
  openInBrowser: 'Open in browser',
  popupDone: 'Signed in. Returning…',
  errors: {
    generic: 'Sign-in was not completed. Please sign in again.',
    access_denied: 'You cancelled signing in.',
    login_required: 'Please sign in again.',
    state_mismatch: 'This sign-in request is no longer valid (perhaps several sign-in pages were open). Please sign in again.',
    expired: 'The sign-in request expired. Please sign in again.',
  },
  idle: {
    title: 'Your session is about to time out',
    body: 'To protect your information you will be signed out after a period of inactivity (in about {n} seconds). Continue?',
    continue: 'Continue',
    signOut: 'Sign out',
    expiredTitle: 'Your session has timed out',
    expiredBody: 'To protect your information you were signed out after a period of inactivity. Sign in again to return to this page.',
    signInAgain: 'Sign in again',
  },
};
