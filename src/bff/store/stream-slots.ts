// How many live-status streams a session holds open (issue 10's cap of a few per session). One
// instance counts in memory; many (REDIS_URL) count per deployment in Redis
// (store/redis-stream-slots.ts), so a cookie cannot hold the cap on every instance at once.

/** One open stream's place in its session's count; release() gives it back (once is enough, twice is harmless). */
export interface StreamSlot {
  release(): void;
}

export interface StreamSlots {
  /** A slot for one more stream of `session`, or null when it holds `max` already. */
  acquire(session: string, max: number): Promise<StreamSlot | null>;
  /** Ends the bookkeeping (the app closes). */
  close(): Promise<void>;
}

/** The embedded default: this process's own count. */
export class MemoryStreamSlots implements StreamSlots {
  readonly #open = new Map<string, number>();

  async acquire(session: string, max: number): Promise<StreamSlot | null> {
    const open = this.#open.get(session) ?? 0;
    if (open >= max) return null;
    this.#open.set(session, open + 1);
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        const left = (this.#open.get(session) ?? 1) - 1;
        if (left > 0) this.#open.set(session, left);
        else this.#open.delete(session);
      },
    };
  }

  async close(): Promise<void> {
    this.#open.clear();
  }
}
