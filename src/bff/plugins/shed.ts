// A deliberate shed (issue 10): when the BFF is overloaded it answers /api at once with 503,
// Retry-After and the error envelope, instead of queueing the call behind others until the
// upstream client's timeout turns it into a late 503 anyway. Two signals, each from a setting:
//
// - in flight: /api requests being served right now (SHED_MAX_IN_FLIGHT). Every one of them
//   waits on the upstream or the store; past the bound a new one would only wait longer.
// - event-loop delay: the p99 delay over the last sample (SHED_EVENT_LOOP_DELAY_MS). A process
//   that cannot turn its loop round in time answers everything late, however few are in flight.
//
// Only /api is shed. /healthz and /readyz answer honestly; /auth (sign-in, sign-out), the page
// and the embedded sandbox (the BFF's own upstream, reached over this very server) are left
// alone. Live-status streams are neither shed nor counted: one open stream holds no upstream
// call, and the per-session cap (routes/authorisations.ts) bounds them.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorBody } from '../errors.ts';

export interface ShedSettings {
  /** /api requests served at once before new ones are shed; 0 = no bound. */
  maxInFlight: number;
  /** p99 event-loop delay (ms) over the last sample above which /api is shed; 0 = not watched. */
  maxEventLoopDelayMs: number;
  /** Retry-After on a shed answer, in seconds. */
  retryAfterSeconds: number;
}

export interface ShedOptions {
  /** The event-loop delay in ms as the shed sees it now (tests inject a pressure signal here). */
  eventLoopDelayMs?: () => number;
}

/** How often the event-loop delay is sampled (and the histogram restarted). */
const SAMPLE_MS = 500;
/** At most one warning per this long while shedding: overload must not also flood the log. */
const WARN_EVERY_MS = 10_000;

const isApi = (path: string): boolean => path === '/api' || path.startsWith('/api/');
const isStream = (req: FastifyRequest): boolean => req.routeOptions.url?.endsWith('/events') === true;

/** Reads the p99 event-loop delay of the last sample; the timer is unref'd and stops on close. */
function sampledEventLoopDelay(app: FastifyInstance): () => number {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let latest = 0;
  const timer = setInterval(() => {
    latest = histogram.percentile(99) / 1e6;
    histogram.reset();
  }, SAMPLE_MS);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    histogram.disable();
  });
  return () => latest;
}

export async function shedPlugin(app: FastifyInstance, settings: ShedSettings, options: ShedOptions = {}): Promise<void> {
  const { maxInFlight, maxEventLoopDelayMs, retryAfterSeconds } = settings;
  if (maxInFlight <= 0 && maxEventLoopDelayMs <= 0) return;
  const delay = maxEventLoopDelayMs > 0 ? options.eventLoopDelayMs ?? sampledEventLoopDelay(app) : () => 0;
  let inFlight = 0;
  let shedSinceWarning = 0;
  let lastWarning = 0;

  const overloaded = (): string | null => {
    if (maxInFlight > 0 && inFlight >= maxInFlight) return 'in_flight';
    if (maxEventLoopDelayMs > 0 && delay() > maxEventLoopDelayMs) return 'event_loop_delay';
    return null;
  };

  app.addHook('onRequest', (req, reply, done) => {
    if (!isApi(req.url.split('?', 1)[0] ?? '') || isStream(req)) return done();
    const reason = overloaded();
    if (reason) {
      shedSinceWarning++;
      const now = Date.now();
      if (now - lastWarning >= WARN_EVERY_MS) {
        req.log.warn({ reason, in_flight: inFlight, event_loop_delay_ms: Math.round(delay()), shed: shedSinceWarning }, 'overloaded: shedding /api requests');
        lastWarning = now;
        shedSinceWarning = 0;
      }
      void reply.code(503).header('retry-after', String(retryAfterSeconds)).send(errorBody('UPSTREAM_UNAVAILABLE', '服务繁忙，请稍后再试', req.id));
      return;
    }
    inFlight++;
    // 'close' fires once for every response, sent or abandoned by the client.
    reply.raw.once('close', () => void inFlight--);
    done();
  });
}
