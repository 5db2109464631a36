// Live status of usage codes. One long poll per BFF instance on the upstream's events feed
// (spec 6.6 "Redemption feed") learns of redemptions and revocations of the codes the holder app
// minted; an in-process hub hands each change to the pages (SSE) watching that authorisation.
import type { FastifyBaseLogger } from 'fastify';
import type { AuthorisationStatusEvent } from '../../contract/bff.ts';
import type { AuthCodeEvent } from '../../contract/upstream.ts';
import type { AuthorisationStore } from '../store/authorisations.ts';
import type { UpstreamClient } from '../upstream/client.ts';
import { UpstreamAbsentError } from '../upstream/errors.ts';

export type StatusListener = (event: AuthorisationStatusEvent) => void;

/** In-process pub/sub keyed by authorisation id, plus the open streams to end at shutdown. */
export class StatusHub {
  readonly #listeners = new Map<string, Set<StatusListener>>();
  readonly #streams = new Set<() => void>();
  #ended = false;

  subscribe(id: string, listener: StatusListener): () => void {
    let set = this.#listeners.get(id);
    if (!set) this.#listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(id) === set) this.#listeners.delete(id);
    };
  }

  publish(event: AuthorisationStatusEvent): void {
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

const FEED = 'license/auth_code/events';
/** Short enough that live status resumes within 5 s of the upstream's return (issue 10). */
const MAX_BACKOFF_MS = 3_000;

export interface EventFeedOptions {
  upstream: UpstreamClient;
  store: AuthorisationStore;
  log: FastifyBaseLogger;
  /** Applies a batch of events; called in feed order. */
  onEvents: (events: AuthCodeEvent[]) => void;
  /** The upstream answered as if it had no feed (the extension is gone): the loop ends. */
  onAbsent?: () => void;
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
    return this.#healthy;
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
    const { upstream, store, log, onEvents } = this.#o;
    const now = this.#o.now ?? Date.now;
    const wait = this.#o.waitSeconds ?? 25;
    let failures = 0;
    while (!signal.aborted) {
      const started = now();
      try {
        const since = store.cursor(FEED);
        const result = await upstream.events(since, wait, { signal });
        if (signal.aborted) break;
        if (result.events.length > 0) onEvents(result.events);
        if (result.next && result.next !== since) store.saveCursor(FEED, result.next, now());
        if (failures > 0) log.info({ failures }, 'upstream events feed recovered');
        failures = 0;
        this.#healthy = true;
        // An upstream that ignores `wait` must not turn this into a busy loop.
        if (result.events.length === 0 && now() - started < 200) await pause(1000, signal);
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof UpstreamAbsentError) {
          // Not an outage: this upstream has no feed. Stop asking; capabilities say why, once.
          this.#healthy = false;
          this.#o.onAbsent?.();
          break;
        }
        failures += 1;
        this.#healthy = false;
        // One warning per outage; the retries stay quiet until it recovers.
        if (failures === 1) log.warn({ err }, 'upstream events feed failed; retrying with backoff');
        else log.debug({ failures }, 'upstream events feed still failing');
        await pause(Math.min(250 * 2 ** (failures - 1), MAX_BACKOFF_MS), signal);
      }
    }
  }
}
