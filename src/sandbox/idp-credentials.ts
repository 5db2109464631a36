// How the sandbox's sharing service checks a holder `credential` (DB11/T 2290 6.6) against the
// identity provider: RFC 7662 introspection over HTTP. One function, so a cache can wrap it.
// Every mode of the provider hands out credentials this endpoint knows: the OIDC and plain
// OAuth 2.0 access tokens, and the back-end token a CAS ticket validation designates.
import { randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { configValue, ensureAccountSchema } from './idp-accounts.ts';
import { cachedVerifier } from './credential-cache.ts';

export interface HolderIdentity {
  sub: string;
  name: string;
  identity_type: string;
  identity_num: string;
  phone?: string;
  role: 'citizen' | 'counter_staff';
  org_name?: string;
  org_code?: string;
}

/** The confidential client the sharing service uses to introspect holder credentials. */
export const INTROSPECTION_CLIENT_ID = 'sandbox-license-app';

export interface IntrospectionClient {
  clientId: string;
  clientSecret: string;
}

/** The introspection client's secret, generated once and kept in the sandbox database. */
export function introspectionClient(db: Database): IntrospectionClient {
  ensureAccountSchema(db);
  return { clientId: INTROSPECTION_CLIENT_ID, clientSecret: configValue(db, 'introspection_client_secret', () => randomBytes(32).toString('base64url')) };
}

export interface CredentialVerifierOptions extends IntrospectionClient {
  issuer: string;
}

export const normIssuer = (issuer: string): string => issuer.replace(/\/+$/, '');

/**
 * Checks a holder credential by introspection on every call: nothing is cached, so a revoked or
 * logged-out token fails at once. Resolves null for an unknown, expired or revoked token or one
 * without identity claims; rejects when the provider cannot be reached.
 */
export function createCredentialVerifier(opts: CredentialVerifierOptions): (token: string) => Promise<HolderIdentity | null> {
  const issuer = normIssuer(opts.issuer);
  const basic = Buffer.from(`${encodeURIComponent(opts.clientId)}:${encodeURIComponent(opts.clientSecret)}`).toString('base64');
  let endpoint: string | undefined;

  const introspectionEndpoint = async (): Promise<string> => {
    if (endpoint) return endpoint;
    const res = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`identity provider discovery failed: HTTP ${res.status}`);
    const meta = (await res.json()) as { issuer?: string; introspection_endpoint?: string };
    if (normIssuer(meta.issuer ?? '') !== issuer || !meta.introspection_endpoint) {
      throw new Error('identity provider discovery document has no matching issuer or introspection endpoint');
    }
    endpoint = meta.introspection_endpoint;
    return endpoint;
  };

  // Remembered briefly where the provider runs in this process; its logout and revocation forget it.
  return cachedVerifier(issuer, async (token: string, expiresAt: (ms: number) => void): Promise<HolderIdentity | null> => {
    if (typeof token !== 'string' || !/^[\x21-\x7e]{16,4096}$/.test(token)) return null;
    const res = await fetch(await introspectionEndpoint(), {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`identity provider introspection failed: HTTP ${res.status}`);
    const body = (await res.json()) as Record<string, unknown>;
    const str = (k: string): string | undefined => (typeof body[k] === 'string' && body[k] !== '' ? (body[k] as string) : undefined);

    if (body.active !== true) return null;
    // A refresh token is introspectable too, but it is not a credential.
    if (body.token_type !== 'Bearer') return null;
    if (normIssuer(str('iss') ?? '') !== issuer) return null;
    if (typeof body.exp !== 'number' || body.exp * 1000 <= Date.now()) return null;
    expiresAt(body.exp * 1000);
    const sub = str('sub');
    const name = str('name');
    const identityType = str('identity_type');
    const identityNum = str('identity_num');
    const role = str('role');
    if (!sub || !name || !identityType || !identityNum || (role !== 'citizen' && role !== 'counter_staff')) return null;
    return {
      sub,
      name,
      identity_type: identityType,
      identity_num: identityNum,
      ...(str('phone_number') ? { phone: str('phone_number') } : {}),
      role,
      ...(str('org_name') ? { org_name: str('org_name') } : {}),
      ...(str('org_code') ? { org_code: str('org_code') } : {}),
    };
  });
}
