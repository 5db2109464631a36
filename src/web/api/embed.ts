// The embedding calls (issue 12): the allowed portal origins, and the sign-in hand-off between
// the top-level popup and the framed app.
import type { SessionInfo } from '@contract/bff';
import type { EmbedConfig, EmbedHandoffResponse } from '@contract/embed';
import { getJson, postJson } from './http';

export function fetchEmbedConfig(): Promise<EmbedConfig> {
  return getJson<EmbedConfig>('/embed/config');
}

/** In the signed-in popup: moves its session into a one-time code for the frame's nonce. */
export function mintHandoff(nonce: string): Promise<EmbedHandoffResponse> {
  return postJson<EmbedHandoffResponse>('/embed/handoff', { nonce });
}

/** In the frame: the code from the popup and the frame's own secret; sets the frame's cookie. */
export function redeemHandoff(code: string, secret: string): Promise<SessionInfo> {
  return postJson<SessionInfo>('/embed/session', { code, secret });
}
