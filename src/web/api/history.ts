import type { HistoryResponse } from '@contract/bff';
import { getJson } from './http';

/** Every authorisation and redemption of the holder's certificates, newest first. */
export function fetchHistory(licenseCode?: string): Promise<HistoryResponse> {
  return getJson<HistoryResponse>('/history', licenseCode ? { licenseCode } : undefined);
}
