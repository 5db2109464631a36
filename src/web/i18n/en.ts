import type { CoreMessages } from './zh-CN';
import { auth } from './en/auth';
import { wallet } from './en/wallet';
import { mobile } from './en/mobile';
import { elder } from './en/elder';

export const en: CoreMessages = {
  auth, wallet, mobile, elder,
  app: {
    title: 'E-Certificates',
    skipToContent: 'Skip to main content',
    language: 'Language',
    switchLanguage: '简体中文',
    menu: 'Menu',
    back: 'Back',
    home: 'Back to home',
    retry: 'Retry',
    signedInAs: 'Signed in: {name}',
    history: 'Usage history',
    counter: 'Counter check',
    signOut: 'Sign out',
    close: 'Close',
    settings: 'Settings',
    loading: 'Loading…',
  },
  home: {
    heading: 'My e-certificates',
    intro: 'Show your own e-certificates at a service counter or in an online application. Paper documents remain valid.',
  },
  notFound: {
    title: 'Page not found',
    body: 'The page you asked for does not exist or has been removed.',
  },
  error: {
    title: 'Something went wrong',
    body: 'A problem occurred while loading this page. Your data is safe. Try again, or go back home.',
    network: 'Network error. Check your connection and try again.',
    server: 'The service is temporarily unavailable. Please try again later.',
  },
};
