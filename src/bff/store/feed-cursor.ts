// Where the upstream events feed's cursor is kept: the position after the last event applied.
// It lives beside the authorisation records (store/authorisations.ts): SQLite for one instance,
// PostgreSQL for many, so the instance that takes the feed lease over resumes exactly where the
// last holder stopped — no event lost.
import type { AuthorisationStore } from './authorisations.ts';

export interface FeedCursorStore {
  get(feed: string): Promise<string | undefined>;
  save(feed: string, cursor: string, at: number): Promise<void>;
}

/** The feed's view of the authorisation store's cursor table. */
export class AuthorisationStoreCursor implements FeedCursorStore {
  constructor(private readonly store: AuthorisationStore) {}

  get(feed: string): Promise<string | undefined> {
    return this.store.cursor(feed);
  }

  save(feed: string, cursor: string, at: number): Promise<void> {
    return this.store.saveCursor(feed, cursor, at);
  }
}
