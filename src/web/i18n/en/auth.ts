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
  retry: 'Sign in again',
  sessionLost: {
    title: 'Your session has expired. Please sign in again',
    body: 'To protect your information, you need to sign in again after a period of inactivity or after signing out elsewhere. You will return to the page you were on.',
  },
  errors: {
    generic: { title: 'Sign-in was not completed', body: 'Something went wrong while signing in. Please sign in again; if it keeps failing, try again later.' },
    cancelled: { title: 'You cancelled signing in', body: 'Nothing changes if you do not sign in. You can sign in whenever you need your e-certificates.' },
    expired: { title: 'The sign-in request expired', body: 'This sign-in request is no longer valid: the sign-in page may have been open too long, or an old sign-in link was used. Please sign in again.' },
    claims: { title: 'Your identity could not be confirmed', body: 'The unified identity platform did not provide the real-name details this app needs (name and ID number). Complete real-name verification there, then sign in again.' },
    provider: { title: 'The unified identity platform is unavailable', body: 'Please sign in again later. Paper documents remain valid for every service.' },
    state: { title: 'This sign-in request is no longer valid', body: 'Perhaps several sign-in pages were open, or an old sign-in link was used. Please sign in again.' },
  },
  idle: {
    title: 'Your session is about to time out',
    body: 'To protect your information you will be signed out after a period of inactivity (in about {n} seconds). Continue?',
    continue: 'Continue',
    signOut: 'Sign out',
  },
};
