// Live status of usage codes. One long poll on the upstream's events feed (spec 6.6 "Redemption
// feed") learns of redemptions and revocations of the codes the holder app minted; a hub hands
// each change to the pages (SSE) watching that authorisation. One instance: the poll and the hub
// are in-process. Many (REDIS_URL): the instance holding the feed lease polls (store/redis-lease.ts),
// and the hub publishes through Redis so every instance delivers to the streams it holds.
import type { FastifyBaseLogger } from 'fastify';
import type { AuthorisationStatusEvent } from '../../contract/bff.ts';
import type { AuthCodeEvent } from '../../contract/upstream.ts';
import type { FeedCursorStore } from '../store/feed-cursor.ts';
import type { UpstreamClient } from '../upstream/client.ts';
import { UpstreamAbsentError } from '../upstream/errors.ts';

export type StatusListener = (event: AuthorisationStatusEvent) => void;

/** Carries published events to every instance's hub, this one's included (store/redis-fanout.ts). */
export interface StatusFanout {
  /** Sends `event` to every instance; resolves false when it could not (then only this instance delivers). */
  publish(event: AuthorisationStatusEvent): Promise<boolean>;
  /** Calls `deliver` with every event any instance published. */
  listen(deliver: (event: AuthorisationStatusEvent) => void): void;
}

/** Pub/sub keyed by authorisation id, plus the open streams to end at shutdown. */
export class StatusHub {
  readonly #listeners = new Map<string, Set<StatusListener>>();
  readonly #streams = new Set<() => void>();
  readonly #fanout: StatusFanout | null;
  #ended = false;

  constructor(fanout?: StatusFanout) {
    this.#fanout = fanout ?? null;
    fanout?.listen((event) => this.deliver(event));
  }

  subscribe(id: string, listener: StatusListener): () => void {
    let set = this.#listeners.get(id);
    if (!set) this.#listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(id) === set) this.#listeners.delete(id);
    };
  }

  /** Tells every watching page, on every instance when there is a fan-out. */
  publish(event: AuthorisationStatusEvent): void {
    if (!this.#fanout) return this.deliver(event);
    // Redis unreachable: the streams on this instance still hear it.
    void this.#fanout.publish(event).then((sent) => sent || this.deliver(event));
  }

  /** Hands `event` to the streams on this instance that watch its authorisation. */
  deliver(event: AuthorisationStatusEvent): void {
    for (const listener of [...(this.#listeners.get(event.id) ?? [])]) {
      try {
        listener(event);
      } catch {
        // A broken stream must not stop the others; it cleans itself up on close.
      }
    }
  }

  listenerCount(id: string): number {
    return this.#listeners.get(id)?.size ?? 0;
  }

  /**
   * Registers a long-lived response to end when the app closes; returns the unregister call. A
   * stream whose request was already past routing when the app began closing registers after
   * endAll(): it is ended right after its first event instead of holding server.close() open.
   */
  track(end: () => void): () => void {
    if (this.#ended) {
      queueMicrotask(end);
      return () => undefined;
    }
    this.#streams.add(end);
    return () => this.#streams.delete(end);
  }

  endAll(): void {
    this.#ended = true;
    for (const end of [...this.#streams]) end();
    this.#streams.clear();
  }
}

export const FEED = 'license/auth_code/events';
/** Short enough that live status resumes within 5 s of the upstream's return (issue 10). */
const MAX_BACKOFF_MS = 3_000;

export interface EventFeedOptions {
  upstream: UpstreamClient;
  /** Where the cursor is kept: the authorisation store by default, shared by every instance with REDIS_URL. */
  cursor: FeedCursorStore;
  log: FastifyBaseLogger;
  /** Applies a batch of events; called in feed order. */
  onEvents: (events: AuthCodeEvent[]) => void | Promise<void>;
  /** The upstream answered as if it had no feed (the extension is gone): the loop ends. */
  onAbsent?: () => void;
  /**
   * The feed's health as every instance sees it (the lease holder's polls), when another
   * instance may be the one polling; by default this instance's own loop.
   */
  sharedHealth?: { report(healthy: boolean): void; healthy(): boolean };
  /** Seconds the upstream may hold each poll open (at most 30). */
  waitSeconds?: number;
  now?: () => number;
}

const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** The one long-poll loop: persists its cursor, backs off on errors, stops cleanly. */
export class UpstreamEventFeed {
  readonly #o: EventFeedOptions;
  #abort: AbortController | null = null;
  #running: Promise<void> | null = null;
  #healthy = false;

  constructor(options: EventFeedOptions) {
    this.#o = options;
  }

  /** True while the last poll succeeded: pages can trust pushed status without asking upstream. */
  get healthy(): boolean {
    return this.#o.sharedHealth ? this.#o.sharedHealth.healthy() : this.#healthy;
  }

  #setHealthy(healthy: boolean): void {
    this.#healthy = healthy;
    this.#o.sharedHealth?.report(healthy);
  }

  start(): void {
    if (this.#running) return;
    this.#abort = new AbortController();
    this.#running = this.#loop(this.#abort.signal);
  }

  /** Aborts the poll in flight and waits for the loop to end. */
  async stop(): Promise<void> {
    this.#abort?.abort();
    const running = this.#running;
    this.#running = null;
    await running;
    this.#healthy = false;
  }

  async #loop(signal: AbortSignal): Promise<void> {
    const { upstream, cursor, log, onEvents } = this.#o;
    const now = this.#o.now ?? Date.now;
    const wait = this.#o.waitSeconds ?? 25;
    let failures = 0;
    while (!signal.aborted) {
      const started = now();
      try {
        const since = await cursor.get(FEED);
        const result = await upstream.events(since, wait, { signal });
        if (signal.aborted) break;
        if (result.events.length > 0) await onEvents(result.events);
        if (result.next && result.next !== since) await cursor.save(FEED, result.next, now());
        if (failures > 0) log.info({ failures }, 'upstream events feed recovered');
        failures = 0;
        this.#setHealthy(true);
        // An upstream that ignores `wait` must not turn this into a busy loop.
        if (result.events.length === 0 && now() - started < 200) await pause(1000, signal);
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof UpstreamAbsentError) {
          // Not an outage: this upstream has no feed. Stop asking; capabilities say why, once.
          this.#setHealthy(false);
          this.#o.onAbsent?.();
          break;
        }
        failures += 1;
        this.#setHealthy(false);
        // One warning per outage; the retries stay quiet until it recovers.
        if (failures === 1) log.warn({ err }, 'upstream events feed failed; retrying with backoff');
        else log.debug({ failures }, 'upstream events feed still failing');
        await pause(Math.min(250 * 2 ** (failures - 1), MAX_BACKOFF_MS), signal);
      }
    }
  }
}
