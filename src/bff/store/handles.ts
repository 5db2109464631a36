// By-function search handles (issue 8): the opaque name a counter page gets for each certificate
// found by the applicant's identity number, standing for the upstream's usage code, for the staff
// member and case it was made for. In memory on one instance; with REDIS_URL in Redis, because the
// clerk's next request (redeem, archive) may reach another instance.
import type { DataCipher } from './crypto.ts';
import { KEY_PREFIX, viaRedis, type RedisConnection } from './redis.ts';

export interface Handle {
  authCode: string;
  staff: string;
  bizNum: string;
  serviceItemCode: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface HandleStore {
  put(handle: string, h: Handle): Promise<void>;
  /** The live handle, or null (unknown or expired). */
  get(handle: string, now: number): Promise<Handle | null>;
}

/** At most this many handles in memory; past it the expired go, then the oldest. */
export const MAX_HANDLES = 10_000;

export class MemoryHandleStore implements HandleStore {
  readonly #handles = new Map<string, Handle>();

  async put(handle: string, h: Handle): Promise<void> {
    if (this.#handles.size >= MAX_HANDLES) {
      const now = Date.now();
      for (const [k, v] of this.#handles) if (v.expiresAt <= now) this.#handles.delete(k);
      // Still full: drop the oldest (Map keeps insertion order).
      while (this.#handles.size >= MAX_HANDLES) this.#handles.delete(this.#handles.keys().next().value as string);
    }
    this.#handles.set(handle, h);
  }

  async get(handle: string, now: number): Promise<Handle | null> {
    const h = this.#handles.get(handle);
    return h && h.expiresAt > now ? h : null;
  }
}

const HANDLE = `${KEY_PREFIX}handle:`;

/** One key per handle, gone at its expiry; the usage code inside is sealed like a session's tokens. */
export class RedisHandleStore implements HandleStore {
  constructor(private readonly redis: RedisConnection, private readonly cipher: DataCipher) {}

  async put(handle: string, h: Handle): Promise<void> {
    const value = JSON.stringify({ ...h, authCode: this.cipher.seal(h.authCode, 'handle') });
    await viaRedis(() => this.redis.client.set(HANDLE + handle, value, 'PXAT', h.expiresAt));
  }

  async get(handle: string, now: number): Promise<Handle | null> {
    const raw = await viaRedis(() => this.redis.client.get(HANDLE + handle));
    if (!raw) return null;
    const h = JSON.parse(raw) as Handle;
    if (h.expiresAt <= now) return null;
    try {
      return { ...h, authCode: this.cipher.open(h.authCode, 'handle') };
    } catch {
      return null;
    }
  }
}
