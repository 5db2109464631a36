// The holder's services as one plugin (app.holderServices), built once on the app's upstream
// client, capabilities and stores, with their life tied to the app's: the events feed begins once
// the app listens (the upstream may be mounted in the same server); it stops, with every open
// event stream, before the server closes. The feed runs only while the upstream has the extension.
// Expiry has its own plugin (authorisations-expiry.ts).
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { ServiceCapabilities } from '../../contract/bff.ts';
import type { Config } from '../config.ts';
import { dataCipher } from '../store/db.ts';
import { sharedAttemptWindows } from '../store/redis-plugin.ts';
import { CounterCodes } from './counter-code.ts';
import { HistoryService } from './authorisation-history.ts';
import { AuthorisationService } from './authorisations.ts';
import type { Clock } from './authorisations-expiry.ts';
import { HolderService } from './holder.ts';
import { MobileViewService } from './mobile-view.ts';
import { StatusHub, UpstreamEventFeed } from './status-feed.ts';
import { AuthorisationStoreCursor } from '../store/feed-cursor.ts';
import { RedisStatusFanout } from '../store/redis-fanout.ts';
import { FeedLease } from '../store/redis-lease.ts';

/** A claim older than any request can take (upstream timeouts, the claim wait) is a dead instance's leftover. */
const LEFTOVER_AFTER_MS = 120_000;

export interface HolderServices {
  holder: HolderService;
  authorisations: AuthorisationService;
  history: HistoryService;
  mobileView: MobileViewService;
  hub: StatusHub;
  feed: UpstreamEventFeed;
  /** What the page may offer with this upstream (GET /api/capabilities). */
  capabilities: () => Promise<ServiceCapabilities>;
}

export interface HolderServicesOptions {
  config: Config;
  /** Time and timers for the holder's services (tests move them); the system's by default. */
  clock?: Clock;
}

export function createHolderServices(app: FastifyInstance, config: Config, clock?: Clock): HolderServices {
  const log = app.log.child({ feature: 'holder' });
  const caps = app.upstreamCapabilities;
  const store = app.stores.authorisations;
  const holder = new HolderService({ upstream: app.upstream, counterUpstream: app.counterUpstream, capabilities: caps, config, log, now: clock?.now });
  // With REDIS_URL: live status fans out through Redis, and one instance per deployment, the lease
  // holder, reads the upstream feed from the cursor they share (beside the records in PostgreSQL).
  const redis = app.redis;
  const hub = new StatusHub(redis ? new RedisStatusFanout(redis, log) : undefined);
  let authorisations: AuthorisationService | null = null;
  let followFeed = (): void => undefined;
  const lease = redis
    ? new FeedLease(redis, { log, onAcquire: () => followFeed(), onLose: () => followFeed() })
    : null;
  const feed = new UpstreamEventFeed({
    upstream: app.upstream, log,
    cursor: new AuthorisationStoreCursor(store),
    ...(lease ? { sharedHealth: { report: (ok: boolean) => lease.reportHealth(ok), healthy: () => lease.feedHealthy() } } : {}),
    onEvents: (events) => authorisations?.applyEvents(events),
    onAbsent: () => caps.markAbsent('events'),
  });
  authorisations = new AuthorisationService({
    store, holder, upstream: app.upstream, capabilities: caps, hub, feed, config, log, clock,
    counterCodes: new CounterCodes(dataCipher(app.bffDb), app.stores.liveCodes, clock?.now, sharedAttemptWindows(app)),
    // Many instances share the records: only a claim no live request can still hold is a leftover.
    ...(app.stores.engine === 'postgres' ? { leftoversBefore: (now: number) => now - LEFTOVER_AFTER_MS } : {}),
  });
  const service = authorisations;
  const mobileView = new MobileViewService(holder, app.upstream, caps, config);
  let listening = false;
  followFeed = (): void => {
    if (!listening) return;
    if (caps.has('events') && (lease?.held ?? true)) feed.start();
    else void feed.stop();
  };
  caps.onChange(followFeed);
  app.addHook('onListen', async () => {
    listening = true;
    lease?.start();
    followFeed();
  });
  app.addHook('preClose', async () => {
    listening = false;
    hub.endAll();
    await Promise.all([feed.stop(), service.close()]);
    await lease?.stop();
  });
  return {
    holder, authorisations: service, history: new HistoryService(store, service, caps, config.upstream.holder.appKey), mobileView, hub, feed,
    capabilities: async () => {
      await caps.ready();
      return {
        revoke: caps.has('revoke'),
        usesReported: caps.has('uses'),
        liveStatus: caps.has('events') || caps.has('uses'),
        mobileView: mobileView.mode(),
        codeLifetimeSeconds: holder.upstreamCodeSeconds(),
      };
    },
  };
}

export const holderServicesPlugin = fp(async (app: FastifyInstance, opts: HolderServicesOptions) => {
  app.decorate('holderServices', createHolderServices(app, opts.config, opts.clock));
}, { name: 'holder-services', dependencies: ['bff-store'] });
