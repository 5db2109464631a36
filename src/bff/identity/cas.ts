// IDP_PROTOCOL=cas: a ticket platform (CAS 3.0). The browser goes to /login?service=, comes back
// with a one-time ticket, and the BFF validates it server to server at /p3/serviceValidate. The
// ticket is spent by then, so the credential sent upstream is the attribute the platform
// designates for back-end calls (IDP_CREDENTIAL=attribute:NAME). The platform's single logout
// POSTs a logoutRequest naming the ticket to the service URL; singleLogoutIndex reads it.
import type { FastifyBaseLogger } from 'fastify';
import type { PendingLogin, SessionTokens } from '../store/sessions.ts';
import { identityFromClaims, pickCredential } from './claims.ts';
import { parseLogoutRequest, parseServiceResponse, plausibleTicket } from './cas-response.ts';
import { platformFetch, providerUnavailable } from './http.ts';
import type { IdpConfig } from './settings.ts';
import { freshPendingLogin, LoginFailedError, type IdentityAdapter, type LoginResult } from './types.ts';

export class CasAdapter implements IdentityAdapter {
  readonly protocol = 'cas' as const;
  readonly #idp: IdpConfig;
  readonly #log: FastifyBaseLogger;
  readonly #callbackUrl: string;
  /** CAS says nothing about the designated credential's life: it lasts as long as the session may. */
  readonly #credentialSeconds: number;

  constructor(idp: IdpConfig, callbackUrl: string, credentialSeconds: number, log: FastifyBaseLogger) {
    this.#idp = idp;
    this.#log = log;
    this.#callbackUrl = callbackUrl;
    this.#credentialSeconds = credentialSeconds;
  }

  /** CAS has no state parameter: the state rides in the service URL, which must match at validation. */
  #service(state: string): string {
    return `${this.#callbackUrl}?state=${encodeURIComponent(state)}`;
  }

  async startLogin(returnTo: string): Promise<{ url: string; pending: PendingLogin }> {
    const pending = freshPendingLogin(returnTo);
    const url = new URL(`${this.#idp.casUrl}/login`);
    url.searchParams.set('service', this.#service(pending.state));
    return { url: url.href, pending };
  }

  async finishLogin(query: Record<string, string | undefined>, pending: PendingLogin): Promise<LoginResult> {
    const ticket = query.ticket;
    if (!plausibleTicket(ticket)) throw new LoginFailedError('provider', 'no usable ticket on the callback');
    const url = new URL(`${this.#idp.casUrl}/p3/serviceValidate`);
    url.searchParams.set('service', this.#service(pending.state));
    url.searchParams.set('ticket', ticket);
    if (this.#idp.casFormat === 'json') url.searchParams.set('format', 'JSON');
    const now = Date.now();
    const res = await platformFetch(url.href, { headers: { accept: this.#idp.casFormat === 'json' ? 'application/json' : 'application/xml, text/xml' } });
    if (res.status >= 500) throw providerUnavailable();
    const outcome = parseServiceResponse(await res.text(), this.#idp.casFormat);
    if (!outcome.ok) {
      this.#log.warn({ step: 'serviceValidate', status: res.status, error: outcome.code }, 'identity platform refused the ticket');
      if (outcome.code === 'INVALID_RESPONSE' && !res.ok) throw providerUnavailable();
      throw new LoginFailedError('provider', outcome.code);
    }
    // IDP_CLAIM_SUBJECT defaults to `user`, the <cas:user> element (it wins over an attribute of that name).
    const source: Record<string, unknown> = { ...outcome.attributes, user: outcome.user };
    return {
      identity: identityFromClaims(source, this.#idp.claims, this.#idp.staffRoles),
      tokens: {
        credential: pickCredential(this.#idp.credential, {}, outcome.attributes),
        credentialExpiresAt: now + this.#credentialSeconds * 1000,
        refreshToken: null,
        idToken: null,
      },
      logoutIndex: ticket,
    };
  }

  /** Nothing to refresh with: the session ends when its credential does. */
  async refresh(): Promise<SessionTokens | null> {
    return null;
  }

  /** CAS 3.0 /logout ends the platform's single sign-on session, then returns to `service`. */
  async endSessionUrl(postLogoutRedirectUri: string): Promise<string | null> {
    const url = new URL(`${this.#idp.casUrl}/logout`);
    url.searchParams.set('service', postLogoutRedirectUri);
    return url.href;
  }

  async revoke(): Promise<void> {}

  singleLogoutIndex(body: unknown): string | null {
    const form = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    return parseLogoutRequest(form.logoutRequest);
  }
}
