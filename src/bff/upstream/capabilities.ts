// Which of the spec's extensions ("Standard and extensions") the upstream has. Either configured
// (UPSTREAM_EXTENSIONS=list) or, by default, probed at start-up and after each reconnection with
// calls that cannot change anything upstream: an extension that is absent answers as an unknown
// path (404/405, with or without an envelope); one that is present refuses the empty probe as a
// business refusal, or answers it. The rest of the BFF asks here, never the sandbox's settings.
import type { FastifyBaseLogger } from 'fastify';
import { UPSTREAM_EXTENSIONS, type UpstreamExtension } from '../../contract/extensions.ts';
import { serviceItemDataKeys } from '../../contract/upstream.ts';
import type { UpstreamClient } from './client.ts';
import { UpstreamAbsentError, UpstreamError, UpstreamUnavailableError } from './errors.ts';

/** What a holder loses without each extension, for the one warning per missing extension. */
const WITHOUT: Record<UpstreamExtension, string> = {
  revoke: 'codes cannot be withdrawn and live until the upstream expiry; no shorter validity or refresh is offered',
  uses: 'history shows only what this app recorded; uses are not reported',
  events: 'no live "used" status; the QR page says use is confirmed at the counter',
  data_item_keys: 'consent lists every shown field of a certificate',
  license_by_token: '"view on mobile" opens the service\'s own view_license page when UPSTREAM_WEB_ROOT is set, and is not offered otherwise',
};

type Verdict = 'present' | 'absent' | 'unknown';
const UNKNOWN_RETRY_MS = 30_000;

export interface CapabilitiesOptions {
  holder: UpstreamClient;
  counter?: UpstreamClient;
  configured: 'auto' | readonly UpstreamExtension[];
  log: FastifyBaseLogger;
  /** Minimum pause between probes started by reconnections. */
  minProbeIntervalMs?: number;
  now?: () => number;
}

export class UpstreamCapabilities {
  readonly #o: CapabilitiesOptions;
  readonly #present = new Set<UpstreamExtension>();
  readonly #warned = new Set<UpstreamExtension>();
  /** Confirmed absent (answered as an unknown path); an unanswered probe confirms nothing. */
  readonly #absent = new Set<UpstreamExtension>();
  readonly #listeners = new Set<() => void>();
  #probe: Promise<void> | null = null;
  #known = false;
  #lastProbe = -Infinity;
  #reported: string | null = null;

  constructor(o: CapabilitiesOptions) {
    this.#o = o;
    if (o.configured !== 'auto') {
      for (const e of UPSTREAM_EXTENSIONS) (o.configured.includes(e) ? this.#present : this.#absent).add(e);
      this.#known = true;
    }
  }

  /** True when the upstream has the extension (false while nothing is known yet: promise nothing). */
  has(e: UpstreamExtension): boolean {
    return this.#present.has(e);
  }

  list(): UpstreamExtension[] {
    return UPSTREAM_EXTENSIONS.filter((e) => this.#present.has(e));
  }

  /** Called whenever the set changes (the events feed starts or stops with it). */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once something is known (the first probe answered, or failed in transport). */
  async ready(): Promise<void> {
    if (this.#known) return;
    if (this.#probe) return this.#probe;
    // Unknown after a probe the upstream did not answer: callers go on without extensions
    // rather than each waiting for a probe of their own.
    if ((this.#o.now ?? Date.now)() - this.#lastProbe < (this.#o.minProbeIntervalMs ?? 5000)) return;
    await this.refresh();
  }

  /** Start-up: log what is configured, or probe. */
  async start(): Promise<void> {
    if (this.#o.configured !== 'auto') return this.#report('configured');
    await this.refresh();
  }

  /** Probes again (single-flight, throttled); a configured list is never probed. */
  refresh(): Promise<void> {
    if (this.#o.configured !== 'auto') return Promise.resolve();
    const now = (this.#o.now ?? Date.now)();
    if (this.#probe) return this.#probe;
    if (now - this.#lastProbe < (this.#o.minProbeIntervalMs ?? 5000)) return Promise.resolve();
    this.#lastProbe = now;
    this.#probe = this.#run().finally(() => {
      this.#probe = null;
    });
    return this.#probe;
  }

  /** A call found an extension gone (the upstream changed): stop using it and say so once. */
  markAbsent(e: UpstreamExtension): void {
    this.#absent.add(e);
    if (!this.#present.delete(e)) return;
    this.#report('lost');
  }

  async #run(): Promise<void> {
    const { holder } = this.#o;
    const verdicts = await Promise.all([
      this.#verdict(() => holder.request('POST', 'license/auth_code/revoke', { body: {} })),
      this.#verdict(() => holder.request('POST', 'license/auth_code/uses', { body: {} })),
      this.#verdict(() => holder.request('GET', 'license/auth_code/events', { query: { wait: 0 } })),
      this.#dataItemKeys(),
      this.#verdict(() => holder.request('GET', 'license/license_by_token', { query: { license_access_token: 'capability-probe' } })),
    ]);
    if (verdicts.every((v) => v === 'unknown')) {
      this.#o.log.warn('upstream capabilities unknown: the upstream did not answer; extensions stay unused until it does');
      return;
    }
    UPSTREAM_EXTENSIONS.forEach((e, i) => {
      if (verdicts[i] === 'present') {
        this.#present.add(e);
        this.#absent.delete(e);
      } else if (verdicts[i] === 'absent') {
        this.#present.delete(e);
        this.#absent.add(e);
      }
    });
    this.#known = true;
    this.#report('probed');
    // An extension that did not answer is unused for now; ask again later rather than never.
    if (verdicts.includes('unknown')) setTimeout(() => void this.refresh(), UNKNOWN_RETRY_MS).unref();
  }

  async #verdict(call: () => Promise<unknown>): Promise<Verdict> {
    try {
      await call();
      return 'present';
    } catch (err) {
      if (err instanceof UpstreamAbsentError) return 'absent';
      // An envelope refusing our empty probe means the interface exists; NOT_FOUND as a
      // business refusal is how some gateways word an unknown path.
      if (err instanceof UpstreamError) return err.code === 'NOT_FOUND' ? 'absent' : 'present';
      if (err instanceof UpstreamUnavailableError && err.reason === 'garbage') return 'absent';
      return 'unknown';
    }
  }

  /** `data_item_keys` rides on service_item/list: present when any item of our organisations names fields. */
  async #dataItemKeys(): Promise<Verdict> {
    try {
      for (const client of [this.#o.counter, this.#o.holder]) {
        if (!client) continue;
        const me = await client.currentUser();
        if (!me.service_org.org_code) continue;
        const items = await client.serviceItems(me.service_org.org_code);
        if (items.some((item) => item.license_item_codes.some((code) => serviceItemDataKeys(item, code) !== null))) return 'present';
      }
      return 'absent';
    } catch (err) {
      return err instanceof UpstreamError || err instanceof UpstreamAbsentError ? 'absent' : 'unknown';
    }
  }

  /** One info line naming what was found when it changes; one warning per missing extension, ever. */
  #report(how: 'configured' | 'probed' | 'lost'): void {
    const found = this.list();
    const missing = UPSTREAM_EXTENSIONS.filter((e) => !this.#present.has(e));
    const key = found.join(',');
    if (key !== this.#reported) {
      this.#reported = key;
      this.#o.log.info({ extensions: found, missing, how }, `upstream extensions: ${found.length ? found.join(', ') : 'none (standard only)'}`);
      for (const l of this.#listeners) l();
    }
    for (const e of missing) {
      if (this.#warned.has(e) || !this.#absent.has(e)) continue;
      this.#warned.add(e);
      this.#o.log.warn({ extension: e }, `upstream lacks the ${e} extension: ${WITHOUT[e]}`);
    }
  }
}
