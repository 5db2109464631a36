// Types for {PUBLIC_ORIGIN}/embed.js, the ecert-holder host SDK, version 1.0.0.
// Load it with <script src="{PUBLIC_ORIGIN}/embed.js"></script>; it defines window.EcertHolder.

export interface EcertHolderMountOptions {
  /** A page of the app to open, e.g. '/history'. Ignored when serviceItemCode is given. */
  path?: string;
  /** Opens straight on choosing a certificate for this service item (事项) and ends with `authorised`. */
  serviceItemCode?: string;
  locale?: 'zh-CN' | 'en';
  /** 长辈模式: larger text and targets. */
  elder?: boolean;
  /** The iframe's accessible name. */
  title?: string;
  /** Height before the first `resize`, px (default 480). */
  initialHeight?: number;
  /** Set false to size the frame yourself from `resize` events. */
  autoResize?: boolean;
  /** Where the app lives, when embed.js was not loaded from there. */
  appOrigin?: string;
}

interface EcertHolderEventBase<T extends string> {
  source: 'ecert-holder';
  type: T;
}

export interface EcertHolderEventMap {
  ready: EcertHolderEventBase<'ready'> & { version: string };
  resize: EcertHolderEventBase<'resize'> & { height: number };
  'login-required': EcertHolderEventBase<'login-required'>;
  'signed-in': EcertHolderEventBase<'signed-in'>;
  authorised: EcertHolderEventBase<'authorised'> & {
    authorisationId: string;
    /** The usage code (用证码): redeem it from your back end with your own access system. */
    authCode: string;
    /** ISO 8601 instant. */
    expiresAt: string;
    serviceItemCode: string;
    licenseItemCode: string;
  };
  cancelled: EcertHolderEventBase<'cancelled'>;
  'signed-out': EcertHolderEventBase<'signed-out'>;
}

export type EcertHolderEventType = keyof EcertHolderEventMap;
export type EcertHolderEvent = EcertHolderEventMap[EcertHolderEventType];

export interface EcertHolderHandle {
  readonly iframe: HTMLIFrameElement;
  on<T extends EcertHolderEventType>(type: T, listener: (event: EcertHolderEventMap[T]) => void): EcertHolderHandle;
  on(type: '*', listener: (event: EcertHolderEvent) => void): EcertHolderHandle;
  /** Without a listener: every listener of that type. */
  off<T extends EcertHolderEventType>(type: T | '*', listener?: (event: EcertHolderEventMap[T]) => void): EcertHolderHandle;
  navigate(path: string): void;
  setLocale(locale: 'zh-CN' | 'en'): void;
  setElder(elder: boolean): void;
  destroy(): void;
}

export interface EcertHolderSdk {
  readonly version: string;
  mount(element: Element | string, options?: EcertHolderMountOptions): EcertHolderHandle;
}

declare global {
  interface Window {
    EcertHolder: EcertHolderSdk;
  }
}
