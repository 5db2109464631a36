// The live-status fan-out through Redis pub/sub: the instance that learns of a change (the feed
// lease holder, or the one a holder's request reached) publishes it once; every instance,
// itself included, delivers it to the streams it holds.
//
// An identical event published twice within DEDUPE_MS is published once: a lease taken over
// after a crash re-reads the events after the last saved cursor, and a holder must not be told
// the same thing twice. The check and the publish are one script, so a crash between them
// cannot swallow an event.
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { AuthorisationStatusEvent } from '../../contract/bff.ts';
import type { StatusFanout } from '../services/status-feed.ts';
import { KEY_PREFIX, type RedisConnection } from './redis.ts';

export const STATUS_CHANNEL = `${KEY_PREFIX}status`;
const SEEN = `${KEY_PREFIX}status-seen:`;
const DEDUPE_MS = 10 * 60_000;
const PUBLISH_ONCE = `
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2]) then return redis.call('PUBLISH', KEYS[2], ARGV[1]) end
return -1`;

export class RedisStatusFanout implements StatusFanout {
  readonly #redis: RedisConnection;
  readonly #log: FastifyBaseLogger;
  readonly #publishOnce;

  constructor(redis: RedisConnection, log: FastifyBaseLogger) {
    this.#redis = redis;
    this.#log = log;
    this.#publishOnce = redis.script('ecertPublishOnce', 2, PUBLISH_ONCE);
  }

  async publish(event: AuthorisationStatusEvent): Promise<boolean> {
    const message = JSON.stringify(event);
    const key = SEEN + createHash('sha256').update(message).digest('base64url');
    try {
      await this.#publishOnce(key, STATUS_CHANNEL, message, DEDUPE_MS);
      return true;
    } catch {
      this.#log.warn('live status not fanned out (redis unreachable): only this instance\'s streams hear it');
      return false;
    }
  }

  listen(deliver: (event: AuthorisationStatusEvent) => void): void {
    const sub = this.#redis.subscriber();
    sub.on('message', (channel: string, message: string) => {
      if (channel !== STATUS_CHANNEL) return;
      try {
        deliver(JSON.parse(message) as AuthorisationStatusEvent);
      } catch {
        this.#log.warn('unreadable live-status message ignored');
      }
    });
    void sub.subscribe(STATUS_CHANNEL).catch(() => undefined);
  }
}
