import type { Clock } from '../../src/bff/services/authorisations-expiry.ts';

/**
 * The holder services' clock, moved by the test: real time plus an offset that `advance` adds to.
 * Timers run on real time too, except that `advance` fires at once every timer it made due.
 */
export class ManualClock implements Clock {
  #offset = 0;
  readonly #timers = new Map<number, { due: number; fn: () => void; handle: NodeJS.Timeout }>();
  #next = 0;

  now = (): number => Date.now() + this.#offset;

  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = (this.#next += 1);
    const handle = setTimeout(() => this.#fire(id), ms).unref();
    this.#timers.set(id, { due: this.now() + ms, fn, handle });
    return id;
  };

  clearTimeout = (id: unknown): void => {
    const t = this.#timers.get(id as number);
    if (t) clearTimeout(t.handle);
    this.#timers.delete(id as number);
  };

  advance(ms: number): void {
    this.#offset += ms;
    const now = this.now();
    for (const [id, t] of [...this.#timers]) if (t.due <= now) this.#fire(id);
  }

  #fire(id: number): void {
    const t = this.#timers.get(id);
    if (!t) return;
    clearTimeout(t.handle);
    this.#timers.delete(id);
    t.fn();
  }
}
