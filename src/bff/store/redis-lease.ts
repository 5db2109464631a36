// One feed consumer per deployment: a lease in Redis (SET key owner NX PX ttl), renewed well
// inside its TTL, released on close. The holder reads the upstream events feed; if it dies, the
// key expires and another instance takes it within about TTL + one attempt interval.
//
// A holder that cannot renew (Redis away) gives the feed up once its last renewal has run out,
// so two instances never read the feed at once for longer than a renewal's round trip.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { KEY_PREFIX, type RedisConnection } from './redis.ts';

export const FEED_LEASE_KEY = `${KEY_PREFIX}feed-lease`;
const HEALTH_KEY = `${KEY_PREFIX}feed-healthy`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface LeaseOptions {
  /** The lease's time to live: a dead holder's feed resumes elsewhere within about this. */
  ttlMs?: number;
  /** How often the holder renews and the others try to take it. */
  intervalMs?: number;
  onAcquire: () => void;
  onLose: () => void;
  log: FastifyBaseLogger;
  now?: () => number;
}

export class FeedLease {
  /** Who holds it, as written in the key: unique per process start. */
  readonly owner = `${process.pid}:${randomUUID()}`;
  readonly #redis: RedisConnection;
  readonly #o: Required<Omit<LeaseOptions, 'log' | 'onAcquire' | 'onLose'>> & LeaseOptions;
  readonly #renew;
  readonly #release;
  #heldUntil = 0;
  /** What onAcquire/onLose last said: the lease may run out between two ticks. */
  #announced = false;
  #timer: NodeJS.Timeout | null = null;
  #feedHealthy = false;

  constructor(redis: RedisConnection, options: LeaseOptions) {
    this.#redis = redis;
    this.#o = { ttlMs: 5_000, intervalMs: 1_000, now: Date.now, ...options };
    this.#renew = redis.script('ecertLeaseRenew', 1, RENEW);
    this.#release = redis.script('ecertLeaseRelease', 1, RELEASE);
  }

  get held(): boolean {
    return this.#heldUntil > this.#o.now();
  }

  start(): void {
    if (this.#timer) return;
    const tick = (): void => {
      void this.#tick().finally(() => {
        if (this.#timer) this.#timer = setTimeout(tick, this.#o.intervalMs);
      });
    };
    this.#timer = setTimeout(tick, 0);
  }

  /** Stops trying and releases the lease if held, so another instance takes over at once. */
  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#heldUntil = 0;
    if (this.#announced) {
      this.#announced = false;
      this.#o.onLose();
    }
    await this.#release(FEED_LEASE_KEY, this.owner).catch(() => undefined);
  }

  async #tick(): Promise<void> {
    const { ttlMs, now, log } = this.#o;
    const started = now();
    const wasHeld = this.held;
    try {
      const got = wasHeld
        ? await this.#renew(FEED_LEASE_KEY, this.owner, ttlMs) === 1
        : await this.#redis.client.set(FEED_LEASE_KEY, this.owner, 'PX', ttlMs, 'NX') === 'OK';
      this.#heldUntil = got ? started + ttlMs : 0;
      if (!got && wasHeld) log.warn('feed lease lost to another instance');
      this.#feedHealthy = (await this.#redis.client.get(HEALTH_KEY)) === '1';
    } catch {
      // Unreachable: keep what we had only until it runs out.
      this.#feedHealthy = false;
    }
    if (!this.#timer) return;
    const held = this.held;
    if (held === this.#announced) return;
    this.#announced = held;
    if (held) {
      log.info('feed lease taken: this instance reads the upstream events feed');
      this.#o.onAcquire();
    } else {
      log.warn('feed lease given up: its last renewal ran out');
      this.#o.onLose();
    }
  }

  /** The holder's feed health as last read from Redis (what every instance's streams rely on). */
  feedHealthy(): boolean {
    return this.#feedHealthy;
  }

  /** The holder reports each poll's outcome; it outlives a long poll and a missed renewal. */
  reportHealth(healthy: boolean): void {
    if (healthy) this.#feedHealthy = true;
    const set = healthy
      ? this.#redis.client.set(HEALTH_KEY, '1', 'PX', 45_000)
      : this.#redis.client.del(HEALTH_KEY);
    void set.catch(() => undefined);
  }
}
