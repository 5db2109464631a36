// One-time hand-offs of a sign-in from the top-level popup to the portal's iframe (issue 12).
//
// The popup (first-party) signs in as usual; its session is *moved* into a new session for the
// frame, whose cookie value is kept here only encrypted under a key derived from the hand-off
// code. The table alone therefore yields no cookie: a row is useless without the code that went
// to the frame by postMessage, and without the frame's secret whose SHA-256 is the row's nonce.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { migrate, type BffDb, type Migration } from './db.ts';
import { KEY_PREFIX, viaRedis, type RedisConnection } from './redis.ts';

export const EMBED_HANDOFF_MIGRATIONS: readonly Migration[] = [
  {
    id: 'embed-handoffs-001',
    sql: `
      CREATE TABLE embed_handoffs (
        code_hash TEXT PRIMARY KEY,
        nonce TEXT NOT NULL,
        sealed TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX embed_handoffs_expiry ON embed_handoffs (expires_at);
    `,
  },
];

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();
/** The nonce the frame puts in the popup's URL: base64url(SHA-256(its secret)). */
export const nonceOf = (secret: string): string => sha256(secret).toString('base64url');

function keyOf(code: string): Buffer {
  return Buffer.from(hkdfSync('sha256', code, 'ecert-embed-handoff', 'cookie', 32));
}

function seal(code: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(code), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

function unseal(code: string, sealed: string): string | null {
  const raw = Buffer.from(sealed, 'base64url');
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(code), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

function sameText(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Where hand-offs wait between the popup and the frame (which may reach different instances). */
export interface EmbedHandoffStore {
  /** Keeps `cookieValue` for the frame that holds the secret behind `nonce`; returns the one-time code. */
  put(nonce: string, cookieValue: string, ttlSeconds: number): Promise<{ code: string; expiresAt: number }>;
  /** Single use: the hand-off is gone after this whatever the outcome. The cookie value, or null. */
  take(code: string, secret: string): Promise<string | null>;
  purgeExpired(): Promise<number>;
}

const codeHash = (code: string): string => sha256(code).toString('hex');

function opened(code: string, secret: string, found: { nonce: string; sealed: string } | undefined | null): string | null {
  if (!found || !sameText(found.nonce, nonceOf(secret))) return null;
  return unseal(code, found.sealed);
}

export class SqliteEmbedHandoffStore implements EmbedHandoffStore {
  readonly #now: () => number;
  readonly #q;

  constructor(db: BffDb, now: () => number = Date.now) {
    migrate(db, EMBED_HANDOFF_MIGRATIONS);
    this.#now = now;
    this.#q = {
      put: db.prepare('INSERT INTO embed_handoffs (code_hash, nonce, sealed, expires_at) VALUES (?, ?, ?, ?)'),
      take: db.prepare<[string], { nonce: string; sealed: string; expires_at: number }>(
        'DELETE FROM embed_handoffs WHERE code_hash = ? RETURNING nonce, sealed, expires_at'),
      purge: db.prepare('DELETE FROM embed_handoffs WHERE expires_at <= ?'),
    };
  }

  async put(nonce: string, cookieValue: string, ttlSeconds: number): Promise<{ code: string; expiresAt: number }> {
    const code = randomBytes(32).toString('base64url');
    const expiresAt = this.#now() + ttlSeconds * 1000;
    this.#q.put.run(codeHash(code), nonce, seal(code, cookieValue), expiresAt);
    return { code, expiresAt };
  }

  async take(code: string, secret: string): Promise<string | null> {
    const row = this.#q.take.get(codeHash(code));
    return opened(code, secret, row && row.expires_at > this.#now() ? row : null);
  }

  async purgeExpired(): Promise<number> {
    return this.#q.purge.run(this.#now()).changes;
  }
}

const HANDOFF = `${KEY_PREFIX}handoff:`;

/** With REDIS_URL: one key per hand-off, gone at its expiry or at its first use. */
export class RedisEmbedHandoffStore implements EmbedHandoffStore {
  constructor(private readonly redis: RedisConnection, private readonly now: () => number = Date.now) {}

  async put(nonce: string, cookieValue: string, ttlSeconds: number): Promise<{ code: string; expiresAt: number }> {
    const code = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + ttlSeconds * 1000;
    const value = JSON.stringify({ nonce, sealed: seal(code, cookieValue) });
    await viaRedis(() => this.redis.client.set(HANDOFF + codeHash(code), value, 'PXAT', expiresAt));
    return { code, expiresAt };
  }

  async take(code: string, secret: string): Promise<string | null> {
    const raw = await viaRedis(() => this.redis.client.getdel(HANDOFF + codeHash(code)));
    return opened(code, secret, raw ? JSON.parse(raw) as { nonce: string; sealed: string } : null);
  }

  async purgeExpired(): Promise<number> {
    return 0;
  }
}
