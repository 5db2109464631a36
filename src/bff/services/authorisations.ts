// Authorising a use (授权用证, DB11/T 2290 6.6): consent checks, license/holder, the BFF's
// record of each authorisation, revocation, and live status. Expiry: authorisations-expiry.ts;
// upstream revokes: authorisations-revoke.ts. Written so that the
// holder is never told a code is dead while the upstream still redeems it: a record says
// "revoked" or "expired" only after the upstream revoke succeeded or the code's own life is over.
import type { CounterCodes } from './counter-code.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Authorisation, AuthorisationStatus, AuthorisationStatusEvent, CreateAuthorisationRequest } from '../../contract/bff.ts';
import type { AuthCodeEvent, LicenseRecord } from '../../contract/upstream.ts';
import type { Config } from '../config.ts';
import { ApiError, notFound } from '../errors.ts';
import type { HolderSession } from '../fastify.d.ts';
import type { AuthorisationStore, AuthorisationRow } from '../store/authorisations.ts';
import type { UpstreamCapabilities } from '../upstream/capabilities.ts';
import type { UpstreamClient } from '../upstream/client.ts';
import { UpstreamAbsentError, UpstreamError, upstreamErrorToApiError } from '../upstream/errors.ts';
import { CodeRevoker, DEAD_CODE } from './authorisations-revoke.ts';
import { EXPIRY_LEASE_MS, ExpiryRunner, systemClock, type Clock } from './authorisations-expiry.ts';
import { type HolderService, certificateNotUsable, viaUpstream } from './holder.ts';
import { checkValidity, whatIsAuthorised } from './authorisations-request.ts';
import { UsesRecorder } from './authorisations-uses.ts';
import type { StatusHub, UpstreamEventFeed } from './status-feed.ts';

/** A claim older than this whose request is gone (another instance died) no longer blocks its key. */
const STALE_CLAIM_MS = 60_000;
const CLAIM_WAIT_MS = 20_000;
const FINAL: ReadonlySet<AuthorisationStatus> = new Set(['used', 'expired', 'revoked']);

export const isFinal = (status: AuthorisationStatus): boolean => FINAL.has(status);

export type Session = Pick<HolderSession, 'sub' | 'credential'>;

export interface AuthorisationServiceDeps {
  store: AuthorisationStore;
  holder: HolderService;
  upstream: UpstreamClient;
  capabilities: UpstreamCapabilities;
  hub: StatusHub;
  feed: UpstreamEventFeed;
  config: Config;
  log: FastifyBaseLogger;
  /** The readable counter code beside the QR (issue 15). */
  counterCodes?: CounterCodes;
  /** Time and timers (tests move them); the holder service's clock by default. */
  clock?: Clock;
  /** Claims made at or before this are a crash's leftovers (ExpiryRunnerDeps.leftoversBefore); default: before this process started. */
  leftoversBefore?: (now: number) => number;
}

export const bizNum = (prefix: string): string => `${prefix}${new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, '')}${randomBytes(4).toString('hex').toUpperCase()}`;

export const noRevokeError = (): ApiError =>
  new ApiError(409, 'CONFLICT', '电子证照共享服务不支持撤回用证码：用证码在有效期结束前一直有效');

export class AuthorisationService {
  readonly #d: AuthorisationServiceDeps;
  readonly #clock: Clock;
  readonly #revoker: CodeRevoker;
  readonly #uses: UsesRecorder;
  /** Runs expiry and start-up reconciliation; once per deployment through the store's leases. */
  readonly expiry: ExpiryRunner;
  /** Requests in flight in this process, so a concurrent double tap awaits the first one. */
  readonly #inflight = new Map<string, Promise<Authorisation>>();
  /** Fire-and-forget upstream calls, awaited at shutdown so none is cut off mid-request. */
  readonly #background = new Set<Promise<unknown>>();

  constructor(deps: AuthorisationServiceDeps) {
    this.#d = deps;
    this.#clock = deps.clock ?? { ...systemClock, now: deps.holder.now };
    const startedAt = this.#clock.now();
    this.#revoker = new CodeRevoker({ store: deps.store, upstream: deps.upstream, capabilities: deps.capabilities, log: deps.log, now: () => this.#now });
    this.#uses = new UsesRecorder({ store: deps.store, upstream: deps.upstream, now: () => this.#now, publish: (id) => this.#publish(id) });
    this.expiry = new ExpiryRunner({
      store: deps.store, revoker: this.#revoker, clock: this.#clock, log: deps.log,
      ready: () => deps.capabilities.ready(),
      settle: (row) => this.#expireIfDead(row),
      leftoversBefore: deps.leftoversBefore ?? (() => startedAt - 1),
    });
  }

  get #now(): number {
    return this.#clock.now();
  }

  // ---- lifecycle ----

  /** Stops expiry and waits (briefly) for the upstream calls still running in the background. */
  async close(): Promise<void> {
    await this.expiry.stop();
    const pending = Promise.allSettled([...this.#background]);
    await Promise.race([pending, new Promise((r) => setTimeout(r, 3000).unref())]);
  }

  #track(work: Promise<unknown>): void {
    const p = work.catch(() => undefined).finally(() => this.#background.delete(p));
    this.#background.add(p);
  }

  // ---- create ----

  async create(session: Session, req: CreateAuthorisationRequest): Promise<Authorisation> {
    const { store, capabilities } = this.#d;
    const fingerprint = `${req.licenseCode}|${req.serviceItemCode}`;
    const existing = await store.byKey(session.sub, req.idempotencyKey);
    if (existing) {
      const settled = await this.#settledRepeat(session, existing, fingerprint);
      if (settled) return settled;
    }

    await capabilities.ready();
    const canRevoke = capabilities.has('revoke');
    checkValidity(this.#d.holder, req.validitySeconds);
    // Refreshing means withdrawing the old code: without revoke it would stay valid beside the new one.
    if (req.replaces !== undefined && !canRevoke) throw noRevokeError();
    const { record, item } = await whatIsAuthorised(this.#d.holder, session.credential, req, this.#now);
    const replaced = req.replaces === undefined ? undefined : await store.owned(session.sub, req.replaces);
    if (req.replaces !== undefined && !replaced) throw notFound('要刷新的授权');

    // The record exists before the upstream call (crash safety); the credential is kept with it
    // only where a crash could leave a code that start-up must revoke.
    const id = randomUUID();
    const claimed = await store.claim({
      id, sub: session.sub, idempotency_key: req.idempotencyKey, request_fingerprint: fingerprint, license_code: record.license_code,
      license_name: record.name, service_item_code: item.serviceItemCode, service_item_name: item.name, org_name: item.orgName,
      org_code: item.orgCode, created_at: this.#now, revoke_credential: canRevoke ? session.credential : null,
    });
    if (!claimed) {
      const other = await store.byKey(session.sub, req.idempotencyKey);
      const settled = other ? await this.#settledRepeat(session, other, fingerprint) : null;
      if (settled) return settled;
      throw new ApiError(409, 'CONFLICT', '上一次授权请求尚未完成，请稍后重试');
    }
    const work = this.#mint(session, id, record, item, req.validitySeconds, canRevoke, replaced).finally(() => this.#inflight.delete(id));
    this.#inflight.set(id, work);
    return work;
  }

  /** The answer to a repeated key: the same authorisation, once the first request has finished. */
  async #settledRepeat(session: Session, row: AuthorisationRow, fingerprint: string): Promise<Authorisation | null> {
    if (row.request_fingerprint !== fingerprint) throw new ApiError(409, 'CONFLICT', '该请求标识已用于另一项授权，请刷新页面后重试');
    if (row.state !== 'pending') return this.#view(await this.#refresh(row));
    const inflight = this.#inflight.get(row.id);
    if (inflight) return inflight;
    // Another instance (or start-up reconciliation) holds the claim: wait for it, or take it over when stale.
    const deadline = this.#now + CLAIM_WAIT_MS;
    for (;;) {
      const now = this.#now;
      const current = await this.#d.store.byId(row.id);
      if (!current) return null;
      if (current.state !== 'pending') return this.#view(await this.#refresh(current));
      if (now - current.created_at > STALE_CLAIM_MS) {
        await this.#d.store.release(current.id);
        return null;
      }
      if (now > deadline) throw new ApiError(409, 'CONFLICT', '上一次授权请求尚未完成，请稍后重试');
      // Polls another instance's claim on the wall clock: the waiting request is real.
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async #mint(
    session: Session,
    id: string,
    record: LicenseRecord,
    item: { serviceItemCode: string; name: string },
    validitySeconds: number,
    canRevoke: boolean,
    replaced: AuthorisationRow | undefined,
  ): Promise<Authorisation> {
    const { store, upstream, log } = this.#d;
    let row: AuthorisationRow;
    try {
      const minted = await viaUpstream(upstream.holder({
        service_item_code: item.serviceItemCode, service_item_name: item.name, biz_num: bizNum('SQ'), credential: session.credential,
      }));
      // The upstream minted its codes before answering, so this is no earlier than their expiry.
      const received = this.#now;
      const index = minted.licenses.findIndex((l) => l.license_code === record.license_code);
      const authCode = index >= 0 ? (minted.authCodes[index] ?? null) : null;
      // license/holder mints a code for every accepted certificate; only this one is wanted. The
      // others are written down until revoked; where nothing can revoke them they are kept nowhere.
      const others = canRevoke ? minted.authCodes.filter((c) => c !== authCode) : [];
      await store.recordMinted(id, authCode, others);
      if (others.length > 0) this.#track(this.#revoker.all(others, session.credential).then(() => store.sparesRevoked(id)));
      if (!authCode) throw certificateNotUsable('该证照暂不能用于所选事项');
      const codeExpiresAt = received + this.#d.holder.upstreamCodeSeconds() * 1000;
      const expiresAt = canRevoke ? Math.min(codeExpiresAt, received + validitySeconds * 1000) : codeExpiresAt;
      const owesRevoke = canRevoke && (expiresAt < codeExpiresAt || others.length > 0);
      await store.activate(id, { authCode, createdAt: received, expiresAt, codeExpiresAt, revokeCredential: owesRevoke ? session.credential : null });
      row = (await store.byId(id)) as AuthorisationRow;
    } catch (err) {
      await store.release(id);
      throw err;
    }
    log.info({ authorisation: id, serviceItem: item.serviceItemCode }, 'holder authorised a use');
    this.expiry.kick(row.expires_at);
    if (replaced) {
      try {
        await this.#revokeRow(replaced, session.credential);
      } catch (err) {
        log.warn({ err, authorisation: replaced.id }, 'could not revoke the replaced authorisation');
      }
    }
    return this.#view(row);
  }

  // ---- read, revoke ----

  async get(session: Session, id: string): Promise<Authorisation> {
    let row = await this.#d.store.owned(session.sub, id);
    if (!row) throw notFound('授权');
    // Without a working feed, ask the upstream's record of uses (where it has one) so the page still learns of them.
    if (!this.#d.feed.healthy && this.#d.capabilities.has('uses') && (row.state === 'active' || row.state === 'used')) {
      await this.syncUses(session).catch((err: unknown) => this.#d.log.debug({ err }, 'uses sync failed'));
      row = (await this.#d.store.byId(id)) ?? row;
    }
    return this.#view(await this.#refresh(row));
  }

  async revoke(session: Session, id: string): Promise<Authorisation> {
    const row = await this.#d.store.owned(session.sub, id);
    if (!row) throw notFound('授权');
    await this.#revokeRow(row, session.credential);
    return this.#view(await this.#refresh((await this.#d.store.byId(id)) ?? row));
  }

  /** Current status for the event stream; undefined for anyone else's id. */
  async statusFor(session: Session, id: string): Promise<AuthorisationStatusEvent | undefined> {
    const row = await this.#d.store.owned(session.sub, id);
    if (!row) return undefined;
    return this.statusEvent(await this.#refresh(row));
  }

  async statusEvent(row: AuthorisationRow): Promise<AuthorisationStatusEvent> {
    return { id: row.id, status: this.status(row), redemptions: await this.#d.store.redemptions(row.id) };
  }

  /** Milliseconds until the record expires (for the stream's own expiry push). */
  async msUntilExpiry(id: string): Promise<number | undefined> {
    const row = await this.#d.store.byId(id);
    return row ? Math.max(0, row.expires_at - this.#now) : undefined;
  }

  async #publish(id: string): Promise<AuthorisationRow | undefined> {
    const fresh = await this.#d.store.byId(id);
    if (fresh) this.#d.hub.publish(await this.statusEvent(fresh));
    return fresh;
  }

  async #revokeRow(row: AuthorisationRow, credential: string): Promise<void> {
    const { store, upstream, capabilities } = this.#d;
    if (row.state === 'pending') throw new ApiError(409, 'CONFLICT', '授权尚未完成，请稍后再试');
    if (row.state === 'revoked' || row.state === 'expired') return;
    if (!row.upstream_revoked && this.#now < row.code_expires_at && row.auth_code) {
      if (!capabilities.has('revoke')) throw noRevokeError();
      try {
        await upstream.revokeAuthCode(row.auth_code, credential);
      } catch (err) {
        if (err instanceof UpstreamAbsentError) {
          capabilities.markAbsent('revoke');
          throw noRevokeError();
        }
        if (!(err instanceof UpstreamError && DEAD_CODE.has(err.code))) throw err instanceof UpstreamError ? upstreamErrorToApiError(err) : err;
      }
      await store.markUpstreamRevoked(row.id);
    }
    if (await store.transition(row.id, ['active', 'used'], 'revoked', this.#now)) {
      this.#d.log.info({ authorisation: row.id }, 'holder revoked an authorisation');
      await this.#publish(row.id);
    }
  }

  /**
   * Moves an active record to 'expired' once that is true upstream: the code's own life is over,
   * or the revoke at the holder's shorter expiry went through. A read makes that revoke itself
   * only when it can take the record's expiry lease, so two instances never both make it.
   */
  async #refresh(row: AuthorisationRow): Promise<AuthorisationRow> {
    if (row.state !== 'active' || this.#now < row.expires_at) return row;
    const { store } = this.#d;
    if (!row.upstream_revoked && this.#now < row.code_expires_at && await store.lease(row.id, this.#now, EXPIRY_LEASE_MS)) {
      try {
        await this.#revoker.atExpiry(row);
      } finally {
        await store.endLease(row.id, null);
      }
    }
    return this.#expireIfDead((await store.byId(row.id)) ?? row);
  }

  /** The transition to 'expired' (and its push) once the record's status says so. */
  async #expireIfDead(row: AuthorisationRow): Promise<AuthorisationRow> {
    if (this.status(row) === 'expired' && row.state === 'active' && await this.#d.store.transition(row.id, ['active'], 'expired', this.#now)) {
      return (await this.#publish(row.id)) ?? row;
    }
    return row;
  }

  // ---- uses: the feed and the upstream's list (authorisations-uses.ts) ----

  /** Applies upstream redemptions and revocations of our codes, and tells the watching pages. */
  applyEvents(events: AuthCodeEvent[]): Promise<void> {
    return this.#uses.apply(events);
  }

  /** Records the upstream's list of redemptions (the uses extension) against the holder's records. */
  syncUses(session: Session): ReturnType<UsesRecorder['sync']> {
    return this.#uses.sync(session);
  }

  // ---- views ----

  /** The holder-facing status: 'expired' only once the upstream no longer redeems the code. */
  status(row: AuthorisationRow): AuthorisationStatus {
    if (row.state === 'pending') return 'active';
    if (row.state === 'active' && this.#now >= row.expires_at && (row.upstream_revoked || this.#now >= row.code_expires_at)) return 'expired';
    return row.state;
  }

  /** Brings a record up to date (expiry) before it is listed. */
  refreshed(row: AuthorisationRow): Promise<AuthorisationRow> {
    return this.#refresh(row);
  }

  async #view(row: AuthorisationRow): Promise<Authorisation> {
    const authCode = row.auth_code ?? '';
    return {
      id: row.id,
      authCode,
      qrUrl: `${this.#d.config.publicOrigin}/c/${encodeURIComponent(authCode)}`,
      counterCode: (await this.#d.counterCodes?.forRow(row)) ?? null,
      licenseCode: row.license_code,
      licenseName: row.license_name,
      serviceItemCode: row.service_item_code,
      serviceItemName: row.service_item_name,
      orgName: row.org_name,
      createdAt: new Date(row.created_at).toISOString(),
      expiresAt: new Date(row.expires_at).toISOString(),
      status: this.status(row),
      redemptions: await this.#d.store.redemptions(row.id),
      revocable: this.#d.capabilities.has('revoke') && !row.upstream_revoked && (row.state === 'active' || row.state === 'used'),
    };
  }
}
