// The embedding contract (issue 12): what the framed app and a host page say to each other by
// postMessage, and what the BFF tells the page about embedding. public/embed.d.ts is the same
// contract as hosts see it; a check outside this repo relies on these names.

/** Bumped with any change a host could notice; the SDK and GET /api/embed/config report it. */
export const EMBED_SDK_VERSION = '1.0.0';

/** Every message the app sends carries this, so a host can tell ours from others'. */
export const EMBED_SOURCE = 'ecert-holder';

export interface EmbedAuthorisedPayload {
  authorisationId: string;
  /** The usage code (用证码) the portal's back end redeems with its own access system. */
  authCode: string;
  /** ISO instant. */
  expiresAt: string;
  serviceItemCode: string;
  licenseItemCode: string;
}

export type EmbedEvent =
  | { type: 'ready'; version: string }
  | { type: 'resize'; height: number }
  | { type: 'login-required' }
  | { type: 'signed-in' }
  | ({ type: 'authorised' } & EmbedAuthorisedPayload)
  | { type: 'cancelled' }
  | { type: 'signed-out' };

export type EmbedEventType = EmbedEvent['type'];

export const EMBED_EVENT_TYPES: readonly EmbedEventType[] = ['ready', 'resize', 'login-required', 'signed-in', 'authorised', 'cancelled', 'signed-out'];

/** What a host may send the app. */
export type EmbedHostMessage =
  | { source: 'ecert-holder-host'; type: 'navigate'; path: string }
  | { source: 'ecert-holder-host'; type: 'locale'; locale: 'zh-CN' | 'en' }
  | { source: 'ecert-holder-host'; type: 'elder'; elder: boolean };

// The wire shapes of /api/embed/* are TypeBox schemas in bff-embed.ts; the page takes their types from here.
export type { EmbedConfig, EmbedHandoffRequest, EmbedHandoffResponse, EmbedSessionRequest } from './bff-embed.ts';

/** What the popup posts to its opener (targetOrigin: our own origin only). */
export const HANDOFF_MESSAGE = 'ecert:embed-handoff';
