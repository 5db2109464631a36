// Authorising a use (授权用证, DB11/T 2290 6.6): consent checks, license/holder, the BFF's
// record of each authorisation, its expiry and revocation, live status, the history of uses, and
// the holder app's own codes for the mobile view.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type {
  Authorisation,
  AuthorisationStatus,
  AuthorisationStatusEvent,
  CreateAuthorisationRequest,
  HistoryEntry,
  HistoryResponse,
  MobileLicenseView,
  MobileViewLink,
  Redemption,
} from '../../contract/bff.ts';
import type { AuthCodeEvent, AuthCodeUse, LicenseByTokenResult, LicenseRecord } from '../../contract/upstream.ts';
import type { Config } from '../config.ts';
import { ApiError, notFound } from '../errors.ts';
import type { HolderSession } from '../fastify.d.ts';
import { AuthorisationStore, type AuthorisationRow } from '../store/authorisations.ts';
import type { UpstreamClient } from '../upstream/client.ts';
import { UpstreamError, upstreamErrorToApiError } from '../upstream/errors.ts';
import { maskName } from '../identity/masking.ts';
import { HolderService, certificateNotUsable, fieldsForItem, licenseState, unusableReason, upstreamTimeToIso, upstreamTimeToMs, viaUpstream } from './holder.ts';
import { StatusHub, UpstreamEventFeed } from './status-feed.ts';

/** A claim older than this whose request is gone (process restart) no longer blocks its key. */
const STALE_CLAIM_MS = 60_000;
const CLAIM_WAIT_MS = 20_000;
const FINAL: ReadonlySet<AuthorisationStatus> = new Set(['used', 'expired', 'revoked']);

export const isFinal = (status: AuthorisationStatus): boolean => FINAL.has(status);

type Session = Pick<HolderSession, 'sub' | 'credential'>;

export interface AuthorisationServiceDeps {
  store: AuthorisationStore;
  holder: HolderService;
  upstream: UpstreamClient;
  hub: StatusHub;
  feed: UpstreamEventFeed;
  config: Config;
  log: FastifyBaseLogger;
}

const bizNum = (prefix: string): string => `${prefix}${new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, '')}${randomBytes(4).toString('hex').toUpperCase()}`;

export class AuthorisationService {
  readonly #d: AuthorisationServiceDeps;
  /** Requests in flight in this process, so a concurrent double tap awaits the first one. */
  readonly #inflight = new Map<string, Promise<Authorisation>>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** Kept in memory only, for revoking a code upstream at the holder's chosen expiry. */
  readonly #credentials = new Map<string, string>();
  /** Fire-and-forget upstream calls, awaited at shutdown so none is cut off mid-request. */
  readonly #background = new Set<Promise<unknown>>();
  #closed = false;

  constructor(deps: AuthorisationServiceDeps) {
    this.#d = deps;
  }

  get #now(): number {
    return this.#d.holder.now();
  }

  // ---- lifecycle ----

  /** Schedules the expiry of every open record (after a restart the timers are gone). */
  resume(): void {
    for (const row of this.#d.store.open()) this.#schedule(row);
  }

  /** Stops the timers and waits (briefly) for the upstream calls still running in the background. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#credentials.clear();
    const pending = Promise.allSettled([...this.#background]);
    await Promise.race([pending, new Promise((r) => setTimeout(r, 3000).unref())]);
  }

  #track(work: Promise<unknown>): void {
    const p = work.catch(() => undefined).finally(() => this.#background.delete(p));
    this.#background.add(p);
  }

  // ---- create ----

  async create(session: Session, req: CreateAuthorisationRequest): Promise<Authorisation> {
    const { store } = this.#d;
    const fingerprint = `${req.licenseCode}|${req.serviceItemCode}`;
    const existing = store.byKey(session.sub, req.idempotencyKey);
    if (existing) {
      const settled = await this.#settledRepeat(session, existing, fingerprint);
      if (settled) return settled;
    }

    const bounds = this.#d.holder.validityBounds();
    if (req.validitySeconds < bounds.minSeconds || req.validitySeconds > bounds.maxSeconds) {
      throw new ApiError(400, 'BAD_REQUEST', `授权有效期须在 ${bounds.minSeconds} 至 ${bounds.maxSeconds} 秒之间`);
    }
    const { record } = await this.#d.holder.ownRecord(session.credential, req.licenseCode);
    const reason = unusableReason(licenseState(record, this.#now).state);
    if (reason) throw certificateNotUsable(reason);
    const item = (await this.#d.holder.serviceDirectory()).find((s) => s.serviceItemCode === req.serviceItemCode);
    if (!item || !item.licenseItemCodes.includes(record.license_item_code)) {
      throw new ApiError(400, 'BAD_REQUEST', '所选事项不接受该证照，请重新选择事项');
    }
    const entry = await this.#d.holder.catalogue(record.license_item_code);
    // Only what this item receives counts: an item needing no sensitive field needs no separate consent.
    const sensitive = fieldsForItem(item, entry, record).filter((f) => f.sensitive);
    // PIPL art. 29: sharing sensitive personal information needs its own, explicit consent.
    if (sensitive.length > 0 && req.sensitiveConsent !== true) {
      throw new ApiError(400, 'BAD_REQUEST', `本次共享包含敏感个人信息（${sensitive.map((f) => f.name).join('、')}），请单独确认同意后再授权`);
    }
    const replaced = req.replaces === undefined ? undefined : store.owned(session.sub, req.replaces);
    if (req.replaces !== undefined && !replaced) throw notFound('要刷新的授权');

    const id = randomUUID();
    const claimed = store.claim({
      id, sub: session.sub, idempotency_key: req.idempotencyKey, request_fingerprint: fingerprint, license_code: record.license_code,
      license_name: record.name, service_item_code: item.serviceItemCode, service_item_name: item.name, org_name: item.orgName,
      org_code: item.orgCode, created_at: this.#now,
    });
    if (!claimed) {
      const other = store.byKey(session.sub, req.idempotencyKey);
      const settled = other ? await this.#settledRepeat(session, other, fingerprint) : null;
      if (settled) return settled;
      throw new ApiError(409, 'CONFLICT', '上一次授权请求尚未完成，请稍后重试');
    }
    const work = this.#mint(session, id, record, item, req.validitySeconds, replaced).finally(() => this.#inflight.delete(id));
    this.#inflight.set(id, work);
    return work;
  }

  /** The answer to a repeated key: the same authorisation, once the first request has finished. */
  async #settledRepeat(session: Session, row: AuthorisationRow, fingerprint: string): Promise<Authorisation | null> {
    if (row.request_fingerprint !== fingerprint) throw new ApiError(409, 'CONFLICT', '该请求标识已用于另一项授权，请刷新页面后重试');
    if (row.state !== 'pending') return this.#view(await this.#refresh(row, session.credential));
    const inflight = this.#inflight.get(row.id);
    if (inflight) return inflight;
    // Another instance (or a crashed request) holds the claim: wait for it, or take it over when stale.
    const deadline = this.#now + CLAIM_WAIT_MS;
    for (;;) {
      const now = this.#now;
      const current = this.#d.store.byId(row.id);
      if (!current) return null;
      if (current.state !== 'pending') return this.#view(await this.#refresh(current, session.credential));
      if (now - current.created_at > STALE_CLAIM_MS) {
        this.#d.store.release(current.id);
        return null;
      }
      if (now > deadline) throw new ApiError(409, 'CONFLICT', '上一次授权请求尚未完成，请稍后重试');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async #mint(
    session: Session,
    id: string,
    record: LicenseRecord,
    item: { serviceItemCode: string; name: string },
    validitySeconds: number,
    replaced: AuthorisationRow | undefined,
  ): Promise<Authorisation> {
    const { store, upstream, log } = this.#d;
    const started = this.#now;
    let row: AuthorisationRow;
    try {
      const minted = await viaUpstream(upstream.holder({
        service_item_code: item.serviceItemCode, service_item_name: item.name, biz_num: bizNum('SQ'), credential: session.credential,
      }));
      const index = minted.licenses.findIndex((l) => l.license_code === record.license_code);
      const authCode = index >= 0 ? minted.authCodes[index] : undefined;
      // license/holder mints a code for every accepted certificate; only this one is wanted.
      this.#revokeQuietly(minted.authCodes.filter((c) => c !== authCode), session.credential);
      if (!authCode) throw certificateNotUsable('该证照暂不能用于所选事项');
      const codeExpiresAt = started + this.#d.holder.upstreamCodeSeconds() * 1000;
      const createdAt = this.#now;
      store.activate(id, { authCode, createdAt, expiresAt: Math.min(codeExpiresAt, createdAt + validitySeconds * 1000), codeExpiresAt });
      row = store.byId(id) as AuthorisationRow;
    } catch (err) {
      store.release(id);
      throw err;
    }
    log.info({ authorisation: id, serviceItem: item.serviceItemCode }, 'holder authorised a use');
    this.#credentials.set(id, session.credential);
    this.#schedule(row);
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
    let row = this.#d.store.owned(session.sub, id);
    if (!row) throw notFound('授权');
    // Without a working feed, ask the upstream's record of uses so the page still learns of them.
    if (!this.#d.feed.healthy && (row.state === 'active' || row.state === 'used')) {
      await this.#syncUses(session).catch((err: unknown) => this.#d.log.debug({ err }, 'uses sync failed'));
      row = this.#d.store.byId(id) ?? row;
    }
    return this.#view(await this.#refresh(row, session.credential));
  }

  async revoke(session: Session, id: string): Promise<Authorisation> {
    const row = this.#d.store.owned(session.sub, id);
    if (!row) throw notFound('授权');
    await this.#revokeRow(row, session.credential);
    return this.#view(await this.#refresh(this.#d.store.byId(id) ?? row, session.credential));
  }

  /** Current status for the event stream; undefined for anyone else's id. */
  async statusFor(session: Session, id: string): Promise<AuthorisationStatusEvent | undefined> {
    const row = this.#d.store.owned(session.sub, id);
    if (!row) return undefined;
    return this.statusEvent(await this.#refresh(row, session.credential));
  }

  statusEvent(row: AuthorisationRow): AuthorisationStatusEvent {
    return { id: row.id, status: this.#status(row), redemptions: this.#d.store.redemptions(row.id) };
  }

  /** Milliseconds until the record expires (for the stream's own expiry push). */
  msUntilExpiry(id: string): number | undefined {
    const row = this.#d.store.byId(id);
    return row ? Math.max(0, row.expires_at - this.#now) : undefined;
  }

  async #revokeRow(row: AuthorisationRow, credential: string): Promise<void> {
    const { store, upstream, hub } = this.#d;
    if (row.state === 'pending') throw new ApiError(409, 'CONFLICT', '授权尚未完成，请稍后再试');
    const codeAlive = !row.upstream_revoked && this.#now < row.code_expires_at;
    if (row.auth_code && codeAlive && row.state !== 'revoked') {
      try {
        await upstream.revokeAuthCode(row.auth_code, credential);
      } catch (err) {
        // Already unusable upstream (expired, revoked, or gone): nothing left to revoke.
        if (!(err instanceof UpstreamError && ['AUTH_CODE_EXPIRED', 'AUTH_CODE_REVOKED', 'AUTH_CODE_INVALID'].includes(err.code))) {
          throw err instanceof UpstreamError ? upstreamErrorToApiError(err) : err;
        }
      }
      store.markUpstreamRevoked(row.id);
    }
    if (store.transition(row.id, ['active', 'used'], 'revoked', this.#now)) {
      this.#clearTimer(row.id);
      this.#d.log.info({ authorisation: row.id }, 'holder revoked an authorisation');
      const fresh = store.byId(row.id);
      if (fresh) hub.publish(this.statusEvent(fresh));
    }
  }

  /** Expiry on read, and the upstream revoke a missed timer (restart) still owes. */
  async #refresh(row: AuthorisationRow, credential?: string): Promise<AuthorisationRow> {
    if (row.state === 'pending') return row;
    const now = this.#now;
    if (now >= row.expires_at) {
      if (row.state === 'active' && this.#d.store.transition(row.id, ['active'], 'expired', now)) {
        const fresh = this.#d.store.byId(row.id);
        if (fresh) this.#d.hub.publish(this.statusEvent(fresh));
      }
      if (credential && row.state !== 'revoked') await this.#revokeAtExpiry(row, credential);
      return this.#d.store.byId(row.id) ?? row;
    }
    return row;
  }

  /** DB11/T 2290 6.6 leaves a holder code alive for its whole TTL; a shorter choice is enforced by revoking it. */
  async #revokeAtExpiry(row: AuthorisationRow, credential: string): Promise<void> {
    if (row.upstream_revoked || !row.auth_code || this.#now >= row.code_expires_at) return;
    try {
      await this.#d.upstream.revokeAuthCode(row.auth_code, credential);
      this.#d.store.markUpstreamRevoked(row.id);
    } catch (err) {
      if (err instanceof UpstreamError) this.#d.store.markUpstreamRevoked(row.id);
      else this.#d.log.warn({ err, authorisation: row.id }, 'could not revoke an expired code upstream');
    }
  }

  #schedule(row: AuthorisationRow): void {
    if (this.#closed || this.#timers.has(row.id)) return;
    const delay = Math.max(0, row.expires_at - this.#now);
    const timer = setTimeout(() => {
      this.#timers.delete(row.id);
      const credential = this.#credentials.get(row.id);
      this.#credentials.delete(row.id);
      const current = this.#d.store.byId(row.id);
      if (!current || this.#closed) return;
      this.#track(this.#refresh(current, credential).catch((err: unknown) => this.#d.log.warn({ err, authorisation: row.id }, 'expiry handling failed')));
    }, delay);
    timer.unref();
    this.#timers.set(row.id, timer);
  }

  #clearTimer(id: string): void {
    const t = this.#timers.get(id);
    if (t) clearTimeout(t);
    this.#timers.delete(id);
    this.#credentials.delete(id);
  }

  #revokeQuietly(codes: string[], credential: string): void {
    for (const code of codes) {
      this.#track(this.#d.upstream.revokeAuthCode(code, credential).catch((err: unknown) => this.#d.log.debug({ err }, 'revoking a spare code failed')));
    }
  }

  // ---- the feed ----

  /** Applies upstream redemptions and revocations of our codes, and tells the watching pages. */
  applyEvents(events: AuthCodeEvent[]): void {
    const { store, hub } = this.#d;
    const changed = new Set<string>();
    store.tx(() => {
      for (const e of events) {
        const row = store.byAuthCode(e.auth_code);
        if (!row) continue;
        if (e.type === 'redeemed') {
          const added = store.addRedemption(row.id, {
            authCode: e.auth_code, interface: e.interface, system: e.system, systemName: e.system_name, orgName: e.org_name,
            operatorName: e.operator_name, timeText: e.time, at: upstreamTimeToMs(e.time),
          });
          if (store.transition(row.id, ['active', 'expired'], 'used', this.#now) || added) changed.add(row.id);
        } else if (store.transition(row.id, ['active'], 'revoked', this.#now)) {
          store.markUpstreamRevoked(row.id);
          changed.add(row.id);
        }
      }
    });
    for (const id of changed) {
      const row = store.byId(id);
      if (!row) continue;
      // A used code keeps its timer: the holder's shorter validity is still enforced at expiry.
      if (row.state === 'revoked') this.#clearTimer(id);
      hub.publish(this.statusEvent(row));
    }
  }

  /** Records the upstream's list of redemptions of the holder's codes against our records. */
  async #syncUses(session: Session): Promise<AuthCodeUse[]> {
    const uses = await viaUpstream(this.#d.upstream.uses(session.credential));
    const events: AuthCodeEvent[] = uses.map((u) => ({
      type: 'redeemed', cursor: '', auth_code: u.auth_code, license_code: u.license_code, interface: u.interface, system: u.system,
      system_name: u.system_name, org_name: u.org_name, org_code: u.org_code, operator_name: u.operator_name, time: u.time,
    }));
    const own = events.filter((e) => this.#d.store.byAuthCode(e.auth_code)?.sub === session.sub);
    if (own.length > 0) this.applyEvents(own);
    return uses;
  }

  // ---- history ----

  async history(session: Session, licenseCode?: string): Promise<HistoryResponse> {
    const uses = await this.#syncUses(session);
    const rows = await Promise.all(this.#d.store.ofSub(session.sub).map((r) => this.#refresh(r)));
    const entries: HistoryEntry[] = [];
    for (const r of rows) {
      entries.push({
        kind: 'authorisation', at: new Date(r.created_at).toISOString(), licenseCode: r.license_code, licenseName: r.license_name,
        serviceItemName: r.service_item_name, orgName: r.org_name,
        authorisation: { id: r.id, status: this.#status(r), expiresAt: new Date(r.expires_at).toISOString() }, byFunction: false,
      });
    }
    for (const u of uses) {
      const redemption: Redemption = { interface: u.interface, systemName: u.system_name, orgName: u.org_name, operatorName: u.operator_name, at: upstreamTimeToIso(u.time) };
      entries.push({
        kind: 'redemption', at: redemption.at, licenseCode: u.license_code, licenseName: u.license_name, serviceItemName: u.service_item_name,
        orgName: u.org_name, redemption, byFunction: u.origin === 'by_function',
      });
    }
    const shown = licenseCode ? entries.filter((e) => e.licenseCode === licenseCode) : entries;
    // Upstream times are whole seconds (spec envelope format), ours are milliseconds: compare at
    // the upstream's precision, so a code used within a second of its authorisation still lists
    // the use first.
    const second = (iso: string) => Math.floor(Date.parse(iso) / 1000);
    shown.sort((a, b) => second(b.at) - second(a.at) || (a.kind === b.kind ? 0 : a.kind === 'redemption' ? -1 : 1));
    return { entries: shown };
  }

  // ---- mobile view (spec 6.6 view page) ----

  /**
   * Spec "Holder app rights": the holder app mints a code of its own for the mobile view and
   * exchanges it through license/token; a code shown to a counter is never redeemed here.
   */
  async mobileViewLink(session: Session, licenseCode: string): Promise<MobileViewLink> {
    const { holder, upstream } = this.#d;
    const { record } = await holder.ownRecord(session.credential, licenseCode);
    const state = licenseState(record, this.#now).state;
    if (state === 'abolished') throw certificateNotUsable('该证照已废止，不能在手机上查看');
    const item = await holder.anyServiceItemFor(record.license_item_code);
    if (!item) throw certificateNotUsable('该证照暂不支持在手机上查看');
    const minted = await viaUpstream(upstream.holder({
      service_item_code: item.serviceItemCode, service_item_name: item.name, biz_num: bizNum('YD'), credential: session.credential,
    }));
    const authCode = minted.authCodes[minted.licenses.findIndex((l) => l.license_code === licenseCode)];
    try {
      if (!authCode) throw certificateNotUsable('该证照暂不支持在手机上查看');
      const token = await viaUpstream(upstream.token(authCode));
      return { url: `/m/license?license_access_token=${encodeURIComponent(token.license_access_token)}`, expiresAt: upstreamTimeToIso(token.expiry_date) };
    } finally {
      // The token outlives its code; no code of this call stays redeemable.
      this.#revokeQuietly(minted.authCodes, session.credential);
    }
  }

  /** The record behind a license_access_token (the upstream's license_by_token extension). */
  async mobileView(token: string, viewerName: string | null): Promise<MobileLicenseView> {
    let result: LicenseByTokenResult | null;
    try {
      result = (await this.#d.upstream.request<LicenseByTokenResult>('GET', 'license/license_by_token', { query: { license_access_token: token } })).data;
    } catch (err) {
      if (err instanceof UpstreamError) {
        if (err.code === 'AUTH_CODE_EXPIRED') throw new ApiError(410, 'CODE_NOT_REDEEMABLE', '访问令牌已过期或无效');
        if (err.code === 'LICENSE_ABOLISHED') throw new ApiError(410, 'CERTIFICATE_NOT_USABLE', '该证照已废止，无法查看');
        if (err.code === 'AUTH_CODE_INVALID' || err.code === 'NOT_FOUND' || err.code === 'INVALID_REQUEST') throw new ApiError(404, 'NOT_FOUND', '访问令牌已过期或无效');
      }
      throw err instanceof UpstreamError ? upstreamErrorToApiError(err) : err;
    }
    if (!result?.license) throw new ApiError(404, 'NOT_FOUND', '访问令牌已过期或无效');
    const entry = await this.#d.holder.catalogue(result.license.license_item_code);
    return {
      license: this.#d.holder.detailOf(result.license, entry),
      viewer: viewerName ? maskName(viewerName) : null,
      tokenExpiresAt: upstreamTimeToIso(result.expiry_date),
    };
  }

  // ---- views ----

  #status(row: AuthorisationRow): AuthorisationStatus {
    if (row.state === 'pending') return 'active';
    if (row.state === 'active' && this.#now >= row.expires_at) return 'expired';
    return row.state;
  }

  #view(row: AuthorisationRow): Authorisation {
    const authCode = row.auth_code ?? '';
    return {
      id: row.id,
      authCode,
      qrUrl: `${this.#d.config.publicOrigin}/c/${encodeURIComponent(authCode)}`,
      licenseCode: row.license_code,
      licenseName: row.license_name,
      serviceItemCode: row.service_item_code,
      serviceItemName: row.service_item_name,
      orgName: row.org_name,
      createdAt: new Date(row.created_at).toISOString(),
      expiresAt: new Date(row.expires_at).toISOString(),
      status: this.#status(row),
      redemptions: this.#d.store.redemptions(row.id),
    };
  }
}

export interface HolderServices {
  holder: HolderService;
  authorisations: AuthorisationService;
  hub: StatusHub;
  feed: UpstreamEventFeed;
}

/**
 * Builds the holder's services on the app's upstream client and database, and ties their life to
 * the app's: the feed starts once the app listens (the upstream may be mounted in the same server)
 * and stops, with every open event stream, before the server closes.
 */
export function createHolderServices(app: FastifyInstance, config: Config): HolderServices {
  const log = app.log.child({ feature: 'holder' });
  const store = new AuthorisationStore(app.bffDb);
  const holder = new HolderService({ upstream: app.upstream, counterUpstream: app.counterUpstream, config, log });
  const hub = new StatusHub();
  let authorisations: AuthorisationService | null = null;
  const feed = new UpstreamEventFeed({ upstream: app.upstream, store, log, onEvents: (events) => authorisations?.applyEvents(events) });
  authorisations = new AuthorisationService({ store, holder, upstream: app.upstream, hub, feed, config, log });
  const service = authorisations;
  app.addHook('onReady', async () => service.resume());
  app.addHook('onListen', async () => feed.start());
  app.addHook('preClose', async () => {
    hub.endAll();
    await Promise.all([feed.stop(), service.close()]);
  });
  return { holder, authorisations: service, hub, feed };
}
