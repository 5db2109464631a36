// GET /api/mobile-view: the access token is the capability; it goes into this one request only.
import type { MobileLicenseView } from '@contract/bff';
import { getJson } from './http';

export function getMobileView(licenseAccessToken: string): Promise<MobileLicenseView> {
  return getJson<MobileLicenseView>('/mobile-view', { license_access_token: licenseAccessToken });
}
