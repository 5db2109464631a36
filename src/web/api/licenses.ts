// The holder's certificates: GET /api/licenses, GET /api/licenses/:code, reveal, mobile-view.
import type { LicenseDetail, LicenseListResponse, MobileViewLink, RevealResponse } from '@contract/bff';
import { getJson, postJson } from './http';

const path = (licenseCode: string) => `/licenses/${encodeURIComponent(licenseCode)}`;

/** `early`: asked before the session is known (the first screen), so a 401 is not yet a sign-out. */
export async function listLicenses(signal?: AbortSignal, early = false) {
  return (await getJson<LicenseListResponse>('/licenses', undefined, signal, early)).licenses;
}

export function getLicense(licenseCode: string): Promise<LicenseDetail> {
  return getJson<LicenseDetail>(path(licenseCode));
}

export function revealLicense(licenseCode: string): Promise<RevealResponse> {
  return postJson<RevealResponse>(`${path(licenseCode)}/reveal`);
}

export function createMobileView(licenseCode: string): Promise<MobileViewLink> {
  return postJson<MobileViewLink>(`${path(licenseCode)}/mobile-view`);
}
