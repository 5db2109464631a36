// Authorising a use of a certificate, and following what happens to the code.
import type {
  Authorisation,
  CreateAuthorisationRequest,
  ServiceItemListResponse,
} from '@contract/bff';
import { getJson, http, postJson } from './http';

/** The 事项 that accept this certificate's catalogue entry (the BFF filters). */
export function fetchServiceItems(licenseCode: string): Promise<ServiceItemListResponse> {
  return getJson<ServiceItemListResponse>(`/licenses/${encodeURIComponent(licenseCode)}/service-items`);
}

export function createAuthorisation(body: CreateAuthorisationRequest): Promise<Authorisation> {
  return postJson<Authorisation>('/authorisations', body);
}

export function fetchAuthorisation(id: string): Promise<Authorisation> {
  return getJson<Authorisation>(`/authorisations/${encodeURIComponent(id)}`);
}

export function revokeAuthorisation(id: string): Promise<Authorisation> {
  return postJson<Authorisation>(`/authorisations/${encodeURIComponent(id)}/revoke`);
}

/** Where the live status streams from (EventSource needs a URL, not an axios call). */
export function authorisationEventsUrl(id: string): string {
  return `${http.defaults.baseURL ?? '/api'}/authorisations/${encodeURIComponent(id)}/events`;
}
