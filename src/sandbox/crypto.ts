import type { Database } from 'better-sqlite3';
import { sm2, sm3 } from 'sm-crypto-v2';

// The sandbox's issuing seal: one SM2 key pair (GB/T 32918) used with SM3 (GB/T 32905) to
// sign certificates (`s_sign_data`) and their archived files. Generated on first use and kept
// in the sandbox database so that a restart keeps signatures verifiable.

export interface Signer {
  algorithm: 'SM2-SM3';
  /** Uncompressed SM2 public key, hex ("04" + x + y). */
  publicKey: string;
  /** Hex r||s (128 hex chars) over SM3(Z_A || data), default user id. */
  sign(data: string | Uint8Array): string;
  verify(data: string | Uint8Array, signature: string): boolean;
}

let rngReady: Promise<void> | undefined;

// sm-crypto-v2 draws signing nonces from a pool it fills asynchronously; signing before the
// pool exists throws.
function ensureRng(): Promise<void> {
  rngReady ??= sm2.initRNGPool();
  return rngReady;
}

/** Verifies an SM2-SM3 signature made by a Signer, given only the public key. */
export function verifySm2Sm3(data: string | Uint8Array, signature: string, publicKey: string): boolean {
  if (!/^[0-9a-f]{128}$/i.test(signature)) return false;
  try {
    // hash:true makes the library compute SM3(Z_A || M) as GB/T 32918.2 requires; without it
    // the message itself would be treated as the digest.
    return sm2.doVerifySignature(data, signature, publicKey, { hash: true });
  } catch {
    return false;
  }
}

/** SM3 over the public key bytes, hex; short enough to print on a certificate. */
export function publicKeyFingerprint(publicKey: string): string {
  return sm3(sm2.hexToArray(publicKey));
}

export async function createSigner(db: Database): Promise<Signer> {
  await ensureRng();
  db.exec(`CREATE TABLE IF NOT EXISTS sandbox_signing_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    algorithm TEXT NOT NULL,
    private_key TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at TEXT NOT NULL
  )`);
  const load = db.prepare<[], { private_key: string; public_key: string }>(
    'SELECT private_key, public_key FROM sandbox_signing_key WHERE id = 1',
  );
  let row = load.get();
  if (!row) {
    const pair = sm2.generateKeyPairHex();
    // INSERT OR IGNORE: two instances starting on the same file agree on whichever wrote first.
    db.prepare(
      `INSERT OR IGNORE INTO sandbox_signing_key (id, algorithm, private_key, public_key, created_at)
       VALUES (1, 'SM2-SM3', ?, ?, ?)`,
    ).run(pair.privateKey, pair.publicKey, new Date().toISOString());
    row = load.get();
    if (!row) throw new Error('signing key could not be stored');
  }
  const { private_key: privateKey, public_key: publicKey } = row;
  const precomputed = sm2.precomputePublicKey(publicKey);

  return {
    algorithm: 'SM2-SM3',
    publicKey,
    sign(data) {
      return sm2.doSignature(data, privateKey, { hash: true, publicKey });
    },
    verify(data, signature) {
      if (!/^[0-9a-f]{128}$/i.test(signature)) return false;
      try {
        return sm2.doVerifySignature(data, signature, precomputed, { hash: true });
      } catch {
        return false;
      }
    },
  };
}
