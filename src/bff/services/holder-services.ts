// The holder's services, built once on the app's upstream client, capabilities and database, with
// their life tied to the app's: start-up reconciliation and the events feed begin once the app
// listens (the upstream may be mounted in the same server); they stop, with every open event
// stream, before the server closes. The feed runs only while the upstream has the extension.
import type { FastifyInstance } from 'fastify';
import type { ServiceCapabilities } from '../../contract/bff.ts';
import type { Config } from '../config.ts';
import { AuthorisationStore } from '../store/authorisations.ts';
import { SqliteLiveCodeStore } from '../store/counter-codes.ts';
import { dataCipher } from '../store/db.ts';
import { sharedAttemptWindows } from '../store/redis-plugin.ts';
import { CounterCodes } from './counter-code.ts';
import { HistoryService } from './authorisation-history.ts';
import { AuthorisationService } from './authorisations.ts';
import { HolderService } from './holder.ts';
import { MobileViewService } from './mobile-view.ts';
import { StatusHub, UpstreamEventFeed } from './status-feed.ts';
import { AuthorisationStoreCursor, RedisFeedCursorStore } from '../store/feed-cursor.ts';
import { RedisStatusFanout } from '../store/redis-fanout.ts';
import { FeedLease } from '../store/redis-lease.ts';

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

export function createHolderServices(app: FastifyInstance, config: Config): HolderServices {
  const log = app.log.child({ feature: 'holder' });
  const caps = app.upstreamCapabilities;
  const store = new AuthorisationStore(app.bffDb);
  const holder = new HolderService({ upstream: app.upstream, counterUpstream: app.counterUpstream, capabilities: caps, config, log });
  // With REDIS_URL: live status fans out through Redis, and one instance per deployment, the lease
  // holder, reads the upstream feed from the cursor they share.
  const redis = app.redis;
  const hub = new StatusHub(redis ? new RedisStatusFanout(redis, log) : undefined);
  let authorisations: AuthorisationService | null = null;
  let followFeed = (): void => undefined;
  const lease = redis
    ? new FeedLease(redis, { log, onAcquire: () => followFeed(), onLose: () => followFeed() })
    : null;
  const feed = new UpstreamEventFeed({
    upstream: app.upstream, log,
    cursor: redis ? new RedisFeedCursorStore(redis) : new AuthorisationStoreCursor(store),
    ...(lease ? { sharedHealth: { report: (ok: boolean) => lease.reportHealth(ok), healthy: () => lease.feedHealthy() } } : {}),
    onEvents: (events) => authorisations?.applyEvents(events),
    onAbsent: () => caps.markAbsent('events'),
  });
  authorisations = new AuthorisationService({
    store, holder, upstream: app.upstream, capabilities: caps, hub, feed, config, log,
    counterCodes: new CounterCodes(dataCipher(app.bffDb), new SqliteLiveCodeStore(app.bffDb), Date.now, sharedAttemptWindows(app)),
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
    void service.resume().catch((err: unknown) => log.error({ err }, 'start-up reconciliation of authorisations failed'));
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
