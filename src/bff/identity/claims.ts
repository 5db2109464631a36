// From the platform's answer (OIDC claims, OAuth 2.0 user-info JSON, CAS attributes) to the
// session's identity, by the configured field names (IDP_CLAIM_*). Pure: table-tested.
import type { SessionIdentity } from '../store/sessions.ts';
import { MANDATORY_CLAIMS, type ClaimMap } from './settings.ts';
import { LoginFailedError } from './types.ts';

/** A non-empty string (CAS attributes may arrive as one-element lists, numbers as numbers). */
export function fieldText(source: Record<string, unknown>, field: string): string | undefined {
  let v = source[field];
  if (Array.isArray(v)) v = v[0];
  if (typeof v === 'number' && Number.isFinite(v)) v = String(v);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/**
 * The holder's identity, or LoginFailedError('claims') naming the first mandatory field missing:
 * never half an identity. Any role outside `staffRoles` is a citizen, the least privileged role.
 */
export function identityFromClaims(source: Record<string, unknown>, map: ClaimMap, staffRoles: readonly string[]): SessionIdentity {
  for (const part of MANDATORY_CLAIMS) {
    if (!fieldText(source, map[part])) throw new LoginFailedError('claims', map[part]);
  }
  const role = fieldText(source, map.role);
  const orgName = fieldText(source, map.orgName);
  const orgCode = fieldText(source, map.orgCode);
  return {
    sub: fieldText(source, map.subject)!,
    name: fieldText(source, map.name)!,
    identityType: fieldText(source, map.identityType)!,
    identityNum: fieldText(source, map.identityNum)!,
    role: role !== undefined && staffRoles.includes(role) ? 'counter_staff' : 'citizen',
    ...(orgName ? { orgName } : {}),
    ...(orgCode ? { orgCode } : {}),
  };
}

/** `attribute:NAME` -> NAME; undefined for the token settings. */
export function credentialAttribute(setting: string): string | undefined {
  return setting.startsWith('attribute:') ? setting.slice('attribute:'.length) : undefined;
}

/**
 * The `credential` sent upstream (IDP_CREDENTIAL): the access token, the ID token, or an
 * attribute the platform designates for back-end calls. Missing -> a `claims` refusal naming it.
 */
export function pickCredential(setting: string, tokens: { accessToken?: string; idToken?: string }, source: Record<string, unknown>): string {
  const attribute = credentialAttribute(setting);
  const value = attribute ? fieldText(source, attribute) : setting === 'id_token' ? tokens.idToken : tokens.accessToken;
  if (!value) throw new LoginFailedError('claims', attribute ?? setting);
  return value;
}
