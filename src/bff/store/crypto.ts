// Tokens and personal data at rest in the BFF's SQLite file are sealed with AES-256-GCM (issue 10,
// finding 9): a copied database file, backup or disk image shows neither the holder's identity
// number nor a credential that could be replayed upstream. The key comes from BFF_DATA_KEY, or,
// in the embedded default, from a key file beside the database (created once, mode 0600).
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const PREFIX = 'enc1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const DATA_KEY_BYTES = 32;

export class DataKeyError extends Error {}

export class DataCipher {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== DATA_KEY_BYTES) throw new DataKeyError('the data key must be 32 bytes');
    this.#key = key;
  }

  /** `context` (the column) is bound in as associated data: a value moved to another column does not open. */
  seal(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The plain text; a value written before sealing existed comes back as it is. Throws on a wrong key or tampering. */
  open(stored: string, context: string): string {
    if (!DataCipher.isSealed(stored)) return stored;
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }

  /** A keyed digest of `value` under a subkey for `purpose`: derived values an outsider cannot compute. */
  mac(value: string, purpose: string): Buffer {
    const subkey = Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), `ecert-holder:${purpose}`, 32));
    return createHmac('sha256', subkey).update(value).digest();
  }

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }
}

/** Where the embedded default keeps its key: beside the database file. */
export const keyFileFor = (dbFile: string): string => `${dbFile}.key`;

/**
 * The key for a database: the configured one, a fresh one for an in-memory database, or the key
 * file beside the database file (generated on first start; its permissions tightened to 0600).
 */
export function resolveDataKey(dbFile: string, configured?: Buffer | null): Buffer {
  if (configured) return configured;
  if (dbFile === ':memory:') return randomBytes(DATA_KEY_BYTES);
  const file = keyFileFor(dbFile);
  if (!existsSync(file)) {
    try {
      writeFileSync(file, `${randomBytes(DATA_KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== DATA_KEY_BYTES) throw new DataKeyError(`${file} does not hold a 32-byte base64 key`);
  return key;
}
