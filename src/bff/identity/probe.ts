// Readiness of the identity platform, per protocol: an OpenID provider must publish its discovery
// document; an OAuth 2.0 or CAS platform has none, so any answer below 500 from it will do.
import type { IdpConfig } from './settings.ts';

export async function identityReady(idp: IdpConfig): Promise<string> {
  const url = idp.protocol === 'oidc' ? `${idp.issuer}/.well-known/openid-configuration`
    : idp.protocol === 'oauth2' ? idp.tokenUrl
      : `${idp.casUrl}/login`;
  try {
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(3000) });
    if (idp.protocol !== 'oidc') return res.status < 500 ? 'ok' : `unexpected answer (HTTP ${res.status})`;
    const body = (await res.json().catch(() => undefined)) as { issuer?: unknown } | undefined;
    return body?.issuer === idp.issuer ? 'ok' : `unexpected answer (HTTP ${res.status})`;
  } catch (err) {
    return err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : 'unreachable';
  }
}
