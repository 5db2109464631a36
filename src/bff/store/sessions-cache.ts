// A short in-process memory of sessions this instance has already found and opened (issue 11).
// Finding a session costs a store read and opening its sealed fields (AES-256-GCM, tens of
// microseconds per field) on every /api request; a page fires several at once. Each store keeps
// an entry for at most SESSION_CACHE_MS from the moment it began the read that filled it, and
// drops it at once when this instance ends, renews or sees another instance end the session:
// SQLite entries only while the database is unchanged (sessions-sqlite.ts), Redis entries until
// a pub/sub message says otherwise (sessions-redis.ts). Entries are keyed by the session id, the
// SHA-256 of the cookie value, never the cookie itself.
import type { StoredSession } from './sessions.ts';

/** The longest an entry is used: the bound on how late a logout elsewhere is seen when no message arrives. */
export const SESSION_CACHE_MS = 2_000;
/** Entries kept at most; the oldest make room. Bounds the memory, and the plain text held in it. */
export const SESSION_CACHE_MAX = 10_000;

/** Taken before a store read: the read may be kept only if nothing was dropped meanwhile. */
export interface CacheTicket {
  readonly epoch: number;
  readonly at: number;
}

interface Entry {
  session: StoredSession;
  until: number;
}

export class SessionCache {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #max: number;
  #epoch = 0;

  constructor(now: () => number, ttlMs = SESSION_CACHE_MS, max = SESSION_CACHE_MAX) {
    this.#now = now;
    this.#ttlMs = ttlMs;
    this.#max = max;
  }

  /**
   * A copy of the session under `id` if its entry is fresh and the session's own deadlines have
   * not passed; otherwise null and the entry is gone (a deadline another instance slid is only
   * known to the store, so the caller reads it there).
   */
  get(id: string): StoredSession | null {
    const now = this.#now();
    this.#sweep(now);
    const entry = this.#entries.get(id);
    if (!entry) return null;
    if (entry.until <= now || entry.session.idleExpiresAt <= now || entry.session.absoluteExpiresAt <= now) {
      this.#entries.delete(id);
      return null;
    }
    return { ...entry.session };
  }

  ticket(): CacheTicket {
    return { epoch: this.#epoch, at: this.#now() };
  }

  /**
   * Keeps what a read begun at `ticket` found, unless something was dropped since the ticket was
   * taken: that read may have seen the store before the drop, and must not outlive it.
   */
  put(session: StoredSession, ticket: CacheTicket): void {
    if (ticket.epoch !== this.#epoch) return;
    this.#sweep(this.#now());
    this.#entries.delete(session.id);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(session.id, { session: { ...session }, until: ticket.at + this.#ttlMs });
  }

  /** The idle deadline this instance just wrote (touch). */
  slide(id: string, lastSeenAt: number, idleExpiresAt: number): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    entry.session.lastSeenAt = lastSeenAt;
    entry.session.idleExpiresAt = idleExpiresAt;
  }

  /**
   * Removes entries past their time, oldest first (the map is in the order entries were put, so
   * this stops at the first one still fresh): a session's plain text does not stay in memory
   * after its 2 s just because nobody asked for it again.
   */
  #sweep(now: number): void {
    for (const [id, entry] of this.#entries) {
      if (entry.until > now) return;
      this.#entries.delete(id);
    }
  }

  /** The session ended or changed: forget it, and any read of it still in flight. */
  drop(id: string): void {
    this.#epoch++;
    this.#entries.delete(id);
  }

  /** Forget everything (the store changed in a way that names no session, or messages may have been missed). */
  clear(): void {
    this.#epoch++;
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
