// The expiry schedule of authorisations, run once per deployment (issue 13): every instance runs
// this loop, and the store leases each due record to one of them at a time (FOR UPDATE SKIP LOCKED
// on PostgreSQL), so a code is revoked once; a lease that outlives its instance runs out and
// another instance takes the record over. The clock and timers are injected (issue 14): tests
// move time instead of waiting for it.
import fp from 'fastify-plugin';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AuthorisationRow, AuthorisationStore } from '../store/authorisations.ts';
import type { CodeRevoker } from './authorisations-revoke.ts';

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** How long one instance may work on a record before another may take it over (a slow upstream call fits). */
export const EXPIRY_LEASE_MS = 30_000;
/** Pause before trying an owed upstream revoke again after a transport failure. */
export const REVOKE_RETRY_MS = 2_000;
/** Records due elsewhere (made by another instance) are noticed within this. */
export const EXPIRY_POLL_MS = 1_000;
const BATCH = 50;

export interface ExpiryRunnerDeps {
  store: AuthorisationStore;
  revoker: CodeRevoker;
  clock: Clock;
  log: FastifyBaseLogger;
  /** Waits for the upstream's capabilities before the first run. */
  ready: () => Promise<void>;
  /** After the revoke: the service's transition to 'expired' and its push, where the status says so; returns the record. */
  settle: (row: AuthorisationRow) => Promise<AuthorisationRow>;
  /**
   * Claims made at or before this time are a crash's leftovers. One SQLite process: those from
   * before it started. Many instances: those older than any request can take.
   */
  leftoversBefore: (now: number) => number;
}

export class ExpiryRunner {
  readonly #d: ExpiryRunnerDeps;
  #timer: unknown = null;
  #wakeAt = Infinity;
  #running: Promise<void> | null = null;
  #again = false;
  #closed = true;

  constructor(deps: ExpiryRunnerDeps) {
    this.#d = deps;
  }

  start(): void {
    if (!this.#closed) return;
    this.#closed = false;
    this.#arm(0);
  }

  async stop(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) this.#d.clock.clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** A record of this instance falls due at `at`: wake by then. */
  kick(at: number): void {
    if (this.#closed) return;
    if (this.#running) this.#again = true;
    else if (at < this.#wakeAt) this.#arm(at - this.#d.clock.now());
  }

  /** One pass: leftovers, then every due record (tests call it directly). */
  async runOnce(): Promise<void> {
    const { store, clock, revoker } = this.#d;
    await this.#d.ready();
    for (const row of await store.claimLeftovers(this.#d.leftoversBefore(clock.now()), clock.now(), EXPIRY_LEASE_MS, BATCH)) {
      await this.#guard(row, () => revoker.settleLeftover(row));
    }
    for (;;) {
      const due = await store.claimDue(clock.now(), EXPIRY_LEASE_MS, BATCH);
      for (const row of due) await this.#guard(row, () => this.#expire(row));
      if (due.length < BATCH || this.#closed) break;
    }
  }

  async #guard(row: AuthorisationRow, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      // The lease runs out and the record is tried again; nothing personal in the line.
      this.#d.log.warn({ authorisation: row.id, error: (err as Error).name }, 'expiry work on an authorisation failed; will retry');
    }
  }

  async #expire(leased: AuthorisationRow): Promise<void> {
    const { store, revoker, clock } = this.#d;
    // A used code is revoked at the chosen time too: the holder's validity still holds.
    if (clock.now() < leased.code_expires_at) await revoker.atExpiry(leased);
    const fresh = await this.#d.settle((await store.byId(leased.id)) ?? leased);
    const now = clock.now();
    const owed = (fresh.state === 'active' || fresh.state === 'used') && !fresh.upstream_revoked && now < fresh.code_expires_at;
    // The revoke did not go through (upstream unreachable): try again, at the latest when the code dies by itself.
    await store.endLease(fresh.id, owed && fresh.expires_at <= now ? now + Math.min(REVOKE_RETRY_MS, fresh.code_expires_at - now) : null);
    if (!owed) await revoker.settleCredential(fresh.id);
  }

  #arm(delayMs: number): void {
    if (this.#closed) return;
    if (this.#timer !== null) this.#d.clock.clearTimeout(this.#timer);
    const delay = Math.max(0, delayMs);
    this.#wakeAt = this.#d.clock.now() + delay;
    this.#timer = this.#d.clock.setTimeout(() => {
      this.#timer = null;
      this.#wakeAt = Infinity;
      this.#running = this.#pass().finally(() => {
        this.#running = null;
      });
    }, delay);
  }

  async #pass(): Promise<void> {
    let next: number | null = null;
    try {
      do {
        this.#again = false;
        await this.runOnce();
      } while (this.#again && !this.#closed);
      const at = this.#d.clock.now();
      next = await this.#d.store.nextDue(at, at + EXPIRY_POLL_MS);
    } catch (err) {
      this.#d.log.warn({ error: (err as Error).name }, 'expiry pass failed; will retry');
    }
    const now = this.#d.clock.now();
    // Never a busy loop: a record due now that nobody could claim is someone else's, under lease.
    this.#arm(Math.max(50, Math.min(EXPIRY_POLL_MS, (next ?? Infinity) - now)));
  }
}

/**
 * The expiry schedule's lifecycle: it starts once the app listens (start-up reconciliation runs
 * in its first pass, the upstream may be mounted in the same server) and stops before it closes.
 */
export const authorisationExpiryPlugin = fp(async (app: FastifyInstance) => {
  const runner = app.holderServices.authorisations.expiry;
  app.addHook('onListen', async () => {
    runner.start();
  });
  app.addHook('preClose', async () => {
    await runner.stop();
  });
}, { name: 'authorisation-expiry', dependencies: ['holder-services'] });
