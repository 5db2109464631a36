// The one Redis connection of a BFF instance (REDIS_URL, issue 13): sessions, pending logins,
// hand-offs, rate-limit counters, by-function handles, the live-status fan-out and the feed lease.
// Without REDIS_URL nothing here is loaded or used: the embedded default stays SQLite and memory.
//
// Commands fail fast while Redis is away (no offline queue, a short command timeout), so a request
// that needs the store gets a clear 503 instead of hanging; the client keeps reconnecting, and the
// instance recovers by itself when Redis returns.
import { Redis, type RedisOptions } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import { ApiError } from '../errors.ts';
import { storeUnavailable } from './unavailable.ts';

export { STORE_RETRY_AFTER_SECONDS, storeUnavailable } from './unavailable.ts';

/** Every key of this application starts with it, so one Redis can be shared with other tenants. */
export const KEY_PREFIX = 'ecert:';

const COMMAND_TIMEOUT_MS = 2_000;
const CONNECT_WAIT_MS = 10_000;

function options(): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: COMMAND_TIMEOUT_MS,
    // Reconnect quickly and for ever: an outage of any length ends when Redis answers again.
    retryStrategy: (times) => Math.min(100 * times, 1_000),
    lazyConnect: true,
  };
}

export class RedisConnection {
  readonly client: Redis;
  readonly #url: string;
  readonly #log: FastifyBaseLogger;
  #subscriber: Redis | null = null;
  #wasReady = false;

  constructor(url: string, log: FastifyBaseLogger) {
    this.#url = url;
    this.#log = log;
    this.client = new Redis(url, options());
    // ioredis reports every failed reconnect: one line per outage, one per recovery.
    this.client.on('error', () => undefined);
    this.client.on('ready', () => {
      if (!this.#wasReady) return void (this.#wasReady = true);
      log.info('redis reachable again');
    });
    this.client.on('close', () => {
      if (this.#wasReady) log.warn('redis connection lost; reconnecting');
    });
  }

  /** Connects, waiting up to 10 s; an instance that starts without Redis is simply not ready yet. */
  async connect(): Promise<void> {
    const ready = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, CONNECT_WAIT_MS);
      this.client.once('ready', () => {
        clearTimeout(t);
        resolve();
      });
    });
    this.client.connect().catch(() => undefined);
    await ready;
    if (!this.ready) this.#log.warn('redis not reachable at start-up; retrying in the background');
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** 'ok', or why not: what /readyz shows. */
  async ping(): Promise<string> {
    if (!this.ready) return 'unreachable';
    try {
      return (await this.client.ping()) === 'PONG' ? 'ok' : 'unexpected answer';
    } catch {
      return 'unreachable';
    }
  }

  /**
   * The connection that only listens (Redis puts a subscribing connection in its own mode). Its
   * subscriptions are queued while it is away and renewed after each reconnect.
   */
  subscriber(): Redis {
    if (!this.#subscriber) {
      this.#subscriber = new Redis(this.#url, { ...options(), enableOfflineQueue: true, maxRetriesPerRequest: null, lazyConnect: false });
      this.#subscriber.on('error', () => undefined);
    }
    return this.#subscriber;
  }

  /** A Lua script as a command (sent once, then called by its SHA): keys first, then arguments. */
  script(name: string, numberOfKeys: number, lua: string): (...keysThenArgs: (string | number)[]) => Promise<unknown> {
    const commands = this.client as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>;
    if (!(name in commands)) this.client.defineCommand(name, { numberOfKeys, lua });
    return (...a) => commands[name]!.apply(this.client, a);
  }

  async close(): Promise<void> {
    this.client.disconnect();
    this.#subscriber?.disconnect();
  }
}

/** Runs a store command; a Redis failure becomes the 503 the routes answer with. */
export async function viaRedis<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw storeUnavailable();
  }
}
