import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { sm3 } from 'sm-crypto-v2';
import { canonicalRequestString, type CanonicalRequestInput } from '../contract/request-signing.ts';
import type { RequestSigningAlgorithm } from '../contract/upstream.ts';

// DB11/T 2290 5.4 [our decision]: HMAC-SHA256 or HMAC-SM3 over the canonical request string.

export function hashHex(algorithm: RequestSigningAlgorithm, data: string | Uint8Array): string {
  if (algorithm === 'sm3') return sm3(typeof data === 'string' ? data : new Uint8Array(data));
  return createHash('sha256').update(data).digest('hex');
}

export function hmacHex(algorithm: RequestSigningAlgorithm, key: string, data: string): string {
  // sm-crypto-v2 reads a string key as hex; UTF-8 bytes make it agree with HMAC-SM3 elsewhere.
  if (algorithm === 'sm3') return sm3(data, { key: new TextEncoder().encode(key), mode: 'hmac' });
  return createHmac('sha256', key).update(data).digest('hex');
}

/** The X-Signature value for a request; what a client sends and what the sandbox expects. */
export function signRequest(
  algorithm: RequestSigningAlgorithm,
  secret: string,
  req: Omit<CanonicalRequestInput, 'bodyHashHex'> & { body: string | Uint8Array },
): string {
  const { body, ...rest } = req;
  return hmacHex(algorithm, secret, canonicalRequestString({ ...rest, bodyHashHex: hashHex(algorithm, body) }));
}

export function signaturesEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a.toLowerCase());
  const bb = Buffer.from(b.toLowerCase());
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
