// Where the upstream events feed's cursor is kept: the position after the last event applied.
// One instance: the authorisation store's table (SQLite). Many (REDIS_URL): Redis, so the instance
// that takes the feed lease over resumes exactly where the last holder stopped — no event lost.
// (Issue 13's PostgreSQL half keeps it in PostgreSQL; this interface is the seam for that.)
import type { AuthorisationStore } from './authorisations.ts';
import { KEY_PREFIX, type RedisConnection } from './redis.ts';

export interface FeedCursorStore {
  get(feed: string): Promise<string | undefined>;
  save(feed: string, cursor: string, at: number): Promise<void>;
}

/** The embedded default: the cursor table beside the authorisation records. */
export class AuthorisationStoreCursor implements FeedCursorStore {
  constructor(private readonly store: AuthorisationStore) {}

  async get(feed: string): Promise<string | undefined> {
    return this.store.cursor(feed);
  }

  async save(feed: string, cursor: string, at: number): Promise<void> {
    this.store.saveCursor(feed, cursor, at);
  }
}

const CURSOR = `${KEY_PREFIX}feed-cursor:`;

/** A Redis failure propagates: the feed loop backs off and retries, and never skips ahead. */
export class RedisFeedCursorStore implements FeedCursorStore {
  constructor(private readonly redis: RedisConnection) {}

  async get(feed: string): Promise<string | undefined> {
    return (await this.redis.client.get(CURSOR + feed)) ?? undefined;
  }

  async save(feed: string, cursor: string): Promise<void> {
    await this.redis.client.set(CURSOR + feed, cursor);
  }
}
