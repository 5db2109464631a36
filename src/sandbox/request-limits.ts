import { Transform } from 'node:stream';
import type { FastifyReply, FastifyRequest, RouteOptions, preParsingAsyncHookHandler } from 'fastify';
import { JsonDepthCounter } from '../contract/json-depth.ts';
import { ApiError } from './wire.ts';

// What one caller may cost the sandbox: body limits per route (what each route accepts, no more)
// and rate limits on guessing. A usage code has 128 bits, so guessing is hopeless, but 193 guesses a
// second (issue 10, 9) still cost every other caller; and passwords are far weaker than codes.
// Successful redemptions are not limited: a busy counter system is not an attacker.

const KB = 1024;
/** Per route (path under the prefix): attachments carry a file, batches up to 100 certificates. */
const BODY_LIMITS: Array<[RegExp, number]> = [
  [/\/create_attachment$/, 8 * KB * KB],
  [/\/batch_issue$/, 2 * KB * KB],
  [/\/license\/[^/]+\/(create|update|change)$/, 256 * KB],
];
/** Everything else: flat bodies of a few fields (login, holder, revoke, by-function). */
const DEFAULT_BODY_LIMIT = 16 * KB;

export function sandboxBodyLimit(route: Pick<RouteOptions, 'url' | 'bodyLimit'>): number {
  if (route.bodyLimit !== undefined) return route.bodyLimit;
  return BODY_LIMITS.find(([re]) => re.test(route.url))?.[1] ?? DEFAULT_BODY_LIMIT;
}

/** preParsing: stops reading a JSON body at the first byte nested too deep, before JSON.parse. */
export const countJsonDepth: preParsingAsyncHookHandler = async (req, _reply, payload) => {
  if (!/json/i.test(req.headers['content-type'] ?? '')) return payload;
  const counter = new JsonDepthCounter();
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      if (counter.push(chunk)) next(new ApiError('INVALID_REQUEST', '请求体嵌套层级过深', { httpStatus: 400, innerCode: 'JSON_TOO_DEEP' }));
      else next(null, chunk);
    },
  });
  // When the body is refused unread (too large), nobody consumes this stream: its error must not crash us.
  counted.on('error', () => undefined);
  return payload.pipe(counted);
};

export interface RateLimitOptions {
  windowMs: number;
  /** Refused redemptions (unknown code, someone else's code) per access system per window. */
  guessesPerSystem: number;
  /** Failed session logins per client address per window. */
  failedLoginsPerAddress: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitOptions = {
  windowMs: 60_000,
  // A whole service centre shares one counter system: room for many typos, not for a script.
  guessesPerSystem: 120,
  failedLoginsPerAddress: 20,
};

/** Refusals that mean "this caller is trying codes that are not its to use". */
const GUESS_CODES = new Set(['AUTH_CODE_INVALID', 'AUTH_CODE_BOUND_TO_OTHER_SYSTEM']);
const MAX_KEYS = 10_000;

/** Fixed-window counters keyed by a caller; a window's counters go when it ends. */
class Windows {
  readonly #counts = new Map<string, { start: number; n: number }>();
  constructor(readonly windowMs: number, readonly clock: () => number) {}

  /** Seconds until `key` may try again, or 0 when it is under `max`. */
  blockedFor(key: string, max: number): number {
    const w = this.#counts.get(key);
    const now = this.clock();
    if (!w || now - w.start >= this.windowMs || w.n < max) return 0;
    return Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
  }

  add(key: string): void {
    const now = this.clock();
    const w = this.#counts.get(key);
    if (w && now - w.start < this.windowMs) {
      w.n++;
      return;
    }
    if (this.#counts.size >= MAX_KEYS) {
      for (const [k, v] of this.#counts) if (now - v.start >= this.windowMs) this.#counts.delete(k);
      if (this.#counts.size >= MAX_KEYS) this.#counts.delete(this.#counts.keys().next().value as string);
    }
    this.#counts.set(key, { start: now, n: 1 });
  }
}

function rateLimited(reply: FastifyReply, seconds: number): ApiError {
  void reply.header('retry-after', String(seconds));
  return new ApiError('RATE_LIMITED', `请求过于频繁，请 ${seconds} 秒后再试`, { httpStatus: 429 });
}

export class SandboxRateLimits {
  readonly #opts: RateLimitOptions;
  readonly #guesses: Windows;
  readonly #logins: Windows;

  constructor(clock: () => number, opts: Partial<RateLimitOptions> = {}) {
    this.#opts = { ...DEFAULT_RATE_LIMITS, ...opts };
    this.#guesses = new Windows(this.#opts.windowMs, clock);
    this.#logins = new Windows(this.#opts.windowMs, clock);
  }

  /** preHandler after the session check: a system that keeps presenting codes not its own waits. */
  redemption = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const key = req.licenseAppSystem?.app_key;
    const wait = key ? this.#guesses.blockedFor(key, this.#opts.guessesPerSystem) : 0;
    if (wait > 0) throw rateLimited(reply, wait);
  };

  /** preHandler on login: an address that keeps failing waits. */
  login = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const wait = this.#logins.blockedFor(req.ip, this.#opts.failedLoginsPerAddress);
    if (wait > 0) throw rateLimited(reply, wait);
  };

  /** From the error handler: counts the refusals that look like guessing. */
  refused(req: FastifyRequest, code: string): void {
    if (code === 'INVALID_CREDENTIALS') this.#logins.add(req.ip);
    else if (GUESS_CODES.has(code) && req.licenseAppSystem) this.#guesses.add(req.licenseAppSystem.app_key);
  }
}
