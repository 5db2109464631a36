// Whether a certificate can serve as proof today: one rule for the wallet, the authorisation, the
// mobile view and the counter (docs/decisions.md, "One certificate validity rule").

import { Type, type Static } from 'typebox';

/** Every state a certificate can be in, most decisive first. */
export const CertificateStateSchema = Type.Union([
  Type.Literal('abolished'), Type.Literal('not_yet_valid'), Type.Literal('expired'), Type.Literal('expiring'), Type.Literal('valid'),
]);
export type CertificateState = Static<typeof CertificateStateSchema>;

/** The record's fields the rule reads (the upstream's names, 6.4/6.6). */
export interface ValidityRecord {
  license_status?: string | null;
  begin_date?: string | null;
  expiry_date?: string | null;
}

/** Days before the expiry date in which a certificate counts as expiring. */
export const EXPIRING_DAYS = 30;

const DAY_MS = 86_400_000;
const BEIJING_OFFSET_MS = 8 * 3_600_000;

/** `YYYY-MM-DD` of the given instant in Beijing (UTC+8), where certificate dates live. */
export function beijingDate(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

function daysBetween(fromDate: string, toDate: string): number {
  return Math.round((Date.parse(`${toDate}T00:00:00Z`) - Date.parse(`${fromDate}T00:00:00Z`)) / DAY_MS);
}

/**
 * Abolished (by status) before anything else; then not yet in force (begin date after today in
 * Beijing); then expired. The begin and expiry dates themselves are valid days. `daysLeft` is
 * only given for a valid or expiring certificate with an expiry date.
 */
export function certificateValidity(record: ValidityRecord, now: number): { state: CertificateState; daysLeft: number | null } {
  if (record.license_status === 'ABOLISHED') return { state: 'abolished', daysLeft: null };
  const today = beijingDate(now);
  const begin = record.begin_date?.slice(0, 10) || null;
  if (begin && begin > today) return { state: 'not_yet_valid', daysLeft: null };
  const expiry = record.expiry_date?.slice(0, 10) || null;
  if (!expiry) return { state: 'valid', daysLeft: null };
  const daysLeft = daysBetween(today, expiry);
  if (daysLeft < 0) return { state: 'expired', daysLeft: null };
  return { state: daysLeft <= EXPIRING_DAYS ? 'expiring' : 'valid', daysLeft };
}

/** Only a valid or expiring certificate may be authorised or accepted. */
export const isUsable = (state: CertificateState): boolean => state === 'valid' || state === 'expiring';
