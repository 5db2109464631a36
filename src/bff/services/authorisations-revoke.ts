// Withdrawing usage codes upstream (DB11/T 2290 6.6 leaves a holder code alive for its whole TTL):
// at the holder's shorter chosen expiry, and the spare codes license/holder mints beside the one
// wanted. A record says the code is dead only once the upstream said so, or its life is over.
import type { FastifyBaseLogger } from 'fastify';
import type { AuthorisationRow, AuthorisationStore } from '../store/authorisations.ts';
import type { UpstreamCapabilities } from '../upstream/capabilities.ts';
import type { UpstreamClient } from '../upstream/client.ts';
import { UpstreamAbsentError, UpstreamError } from '../upstream/errors.ts';

/** Upstream refusals that mean the code is already unusable: nothing left to revoke. */
export const DEAD_CODE: ReadonlySet<string> = new Set(['AUTH_CODE_EXPIRED', 'AUTH_CODE_REVOKED', 'AUTH_CODE_INVALID']);

export interface RevokerDeps {
  store: AuthorisationStore;
  upstream: UpstreamClient;
  capabilities: UpstreamCapabilities;
  log: FastifyBaseLogger;
  now: () => number;
}

export class CodeRevoker {
  constructor(private readonly d: RevokerDeps) {}

  /** Revokes a code at the holder's chosen expiry; where nothing can withdraw it, the record keeps the code's real end. */
  async atExpiry(row: AuthorisationRow): Promise<void> {
    const { store, upstream, capabilities, log } = this.d;
    const credential = row.revoke_credential;
    if (!row.auth_code || !credential || !capabilities.has('revoke')) {
      await store.setExpiry(row.id, row.code_expires_at);
      return;
    }
    try {
      await upstream.revokeAuthCode(row.auth_code, credential);
      await store.markUpstreamRevoked(row.id);
    } catch (err) {
      if (err instanceof UpstreamError && DEAD_CODE.has(err.code)) await store.markUpstreamRevoked(row.id);
      else if (err instanceof UpstreamAbsentError) {
        capabilities.markAbsent('revoke');
        await store.setExpiry(row.id, row.code_expires_at);
      } else log.warn({ authorisation: row.id, error: err instanceof UpstreamError ? err.code : (err as Error).name }, 'could not revoke an expired code upstream; will retry');
    }
  }

  /** Revokes codes nobody is shown; a failure is logged, never the code. */
  async all(codes: string[], credential: string): Promise<void> {
    await Promise.all(codes.map((code) => this.d.upstream.revokeAuthCode(code, credential).catch((err: unknown) => {
      if (err instanceof UpstreamAbsentError) this.d.capabilities.markAbsent('revoke');
      this.d.log.debug({ error: err instanceof UpstreamError ? err.code : (err as Error).name }, 'revoking a spare code failed');
    })));
  }

  /** Drops the stored credential once the record owes the upstream nothing more. */
  async settleCredential(id: string): Promise<void> {
    const row = await this.d.store.byId(id);
    if (!row || row.revoke_credential === null || row.spare_codes !== null) return;
    const now = this.d.now();
    const owes = !row.upstream_revoked && now < row.code_expires_at && row.expires_at < row.code_expires_at && row.state !== 'revoked';
    if (!owes) await this.d.store.dropCredential(id);
  }

  /**
   * A record a crash left owing work (issue 10): a claim never finished has its codes revoked where
   * the upstream can and is cleared, so a retry with the same key works at once; spare codes still
   * alive are revoked.
   */
  async settleLeftover(row: AuthorisationRow): Promise<void> {
    const { store, capabilities, log } = this.d;
    const canRevoke = capabilities.has('revoke');
    if (row.state === 'pending') {
      const codes = [row.auth_code, ...spares(row)].filter((c): c is string => !!c);
      if (canRevoke && row.revoke_credential && codes.length > 0) await this.all(codes, row.revoke_credential);
      await store.release(row.id);
      log.warn({ authorisation: row.id, codes: codes.length, revoked: canRevoke && codes.length > 0 }, 'cleared an authorisation a crash left half-done');
      return;
    }
    if (canRevoke && row.revoke_credential) await this.all(spares(row), row.revoke_credential);
    await store.sparesRevoked(row.id);
    await store.endLease(row.id, null);
    await this.settleCredential(row.id);
  }
}

function spares(row: AuthorisationRow): string[] {
  if (!row.spare_codes) return [];
  try {
    const list: unknown = JSON.parse(row.spare_codes);
    return Array.isArray(list) ? list.filter((c): c is string => typeof c === 'string') : [];
  } catch {
    return [];
  }
}
