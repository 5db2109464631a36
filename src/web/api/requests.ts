// A counter's request as the citizen sees and answers it (扫码授权, issue 15).
import type { HolderRequestView } from '@contract/counter-request';
import { getJson, postJson } from './http';

const path = (id: string) => `/requests/${encodeURIComponent(id)}`;

export function fetchRequest(id: string): Promise<HolderRequestView> {
  return getJson<HolderRequestView>(path(id));
}

export function answerRequest(id: string, authorisationId: string): Promise<HolderRequestView> {
  return postJson<HolderRequestView>(`${path(id)}/answer`, { authorisationId });
}

export function declineRequest(id: string): Promise<HolderRequestView> {
  return postJson<HolderRequestView>(`${path(id)}/decline`);
}
