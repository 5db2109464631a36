// The stream cap counted per deployment (issue 13): each session's open streams are members of one
// sorted set, scored by when they lapse. The instance holding a stream renews its members well
// inside their lifetime; a stream that ends removes its member; an instance that dies stops
// renewing, and its members lapse within STREAM_SLOT_TTL_MS, so its slots come back by themselves.
// Times are Redis's own (TIME), so instances' clocks need not agree.
import { randomUUID } from 'node:crypto';
import { KEY_PREFIX, viaRedis, type RedisConnection } from './redis.ts';
import type { StreamSlot, StreamSlots } from './stream-slots.ts';

const STREAMS = `${KEY_PREFIX}streams:`;
/** A dead instance's streams stop counting after this. */
export const STREAM_SLOT_TTL_MS = 30_000;
const RENEW_EVERY_MS = 10_000;

const NOW = `local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)`;

/** KEYS[1] the session's set; ARGV: member, max, ttl. 1 when the member now holds a slot. */
const ACQUIRE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/** KEYS: sets; ARGV[1] ttl, then one member per key. Re-adds a member Redis lost (a restart without data). */
const RENEW = `${NOW}
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + tonumber(ARGV[1]), ARGV[i + 1])
  redis.call('PEXPIRE', key, ARGV[1])
end
return #KEYS`;

export class RedisStreamSlots implements StreamSlots {
  readonly #acquire;
  readonly #renew;
  /** This instance's open streams: member -> its session's key. */
  readonly #held = new Map<string, string>();
  readonly #timer: NodeJS.Timeout;
  readonly #ttlMs: number;

  /** `timing`: tests shorten the lifetime to see a dead instance's slots lapse. */
  constructor(private readonly redis: RedisConnection, timing: { ttlMs: number; renewEveryMs: number } = { ttlMs: STREAM_SLOT_TTL_MS, renewEveryMs: RENEW_EVERY_MS }) {
    this.#ttlMs = timing.ttlMs;
    this.#acquire = redis.script('ecertStreamAcquire', 1, ACQUIRE);
    this.#renew = (keys: string[], members: string[]) =>
      this.redis.client.eval(RENEW, keys.length, ...keys, this.#ttlMs, ...members);
    this.#timer = setInterval(() => void this.#renewAll(), timing.renewEveryMs).unref();
  }

  async acquire(session: string, max: number): Promise<StreamSlot | null> {
    const key = STREAMS + session;
    const member = randomUUID();
    const got = await viaRedis(() => this.#acquire(key, member, max, this.#ttlMs));
    if (got !== 1) return null;
    this.#held.set(member, key);
    return {
      release: () => {
        if (!this.#held.delete(member)) return;
        // Unreachable now: the member lapses by itself within the TTL.
        void this.redis.client.zrem(key, member).catch(() => undefined);
      },
    };
  }

  async #renewAll(): Promise<void> {
    if (this.#held.size === 0) return;
    const entries = [...this.#held];
    // Unreachable: tried again at the next tick; meanwhile the members may lapse (the cap errs lenient).
    await this.#renew(entries.map(([, key]) => key), entries.map(([member]) => member)).catch(() => undefined);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    const entries = [...this.#held];
    this.#held.clear();
    if (entries.length > 0) await Promise.all(entries.map(([member, key]) => this.redis.client.zrem(key, member).catch(() => undefined)));
  }
}
