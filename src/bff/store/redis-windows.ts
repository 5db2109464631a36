// The counter code's per-staff attempt windows (services/counter-code.ts) in Redis: a clerk's ten
// tries a minute are ten across the deployment, not ten per instance.
import type { AttemptWindows } from '../services/counter-code.ts';
import { KEY_PREFIX, viaRedis, type RedisConnection } from './redis.ts';

const WINDOW = `${KEY_PREFIX}window:`;
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;

export class RedisAttemptWindows implements AttemptWindows {
  readonly #hit;

  constructor(redis: RedisConnection, private readonly windowMs = 60_000) {
    this.#hit = redis.script('ecertWindowHit', 1, HIT);
  }

  async hit(key: string, now: number): Promise<{ count: number; endsAt: number }> {
    const [count, ttl] = await viaRedis(() => this.#hit(WINDOW + key, this.windowMs)) as [number, number];
    return { count, endsAt: now + Math.max(0, ttl) };
  }
}
