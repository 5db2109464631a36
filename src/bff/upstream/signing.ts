// DB11/T 2290 5.4 [our decision]: X-App-Key, X-Timestamp, X-Nonce and X-Signature, an HMAC with
// the app secret over the canonical request string that the sandbox checks the same way.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { sm3 } from 'sm-crypto-v2';
import { canonicalRequestString } from '../../contract/request-signing.ts';
import { SIGNING_HEADERS, type RequestSigningAlgorithm } from '../../contract/upstream.ts';
import type { UpstreamAccount } from '../config.ts';

function hashHex(algorithm: RequestSigningAlgorithm, data: string): string {
  if (algorithm === 'sm3') return sm3(data);
  return createHash('sha256').update(data, 'utf8').digest('hex');
}

function hmacHex(algorithm: RequestSigningAlgorithm, key: string, data: string): string {
  // sm-crypto-v2 reads a string key as hex; the secret's UTF-8 bytes are the key, as for SHA-256.
  if (algorithm === 'sm3') return sm3(data, { key: new TextEncoder().encode(key), mode: 'hmac' });
  return createHmac('sha256', key).update(data, 'utf8').digest('hex');
}

export interface SignableRequest {
  method: string;
  /** URL path as sent, without the query. */
  path: string;
  query: Record<string, string>;
  /** The exact body string sent ('' for none). */
  body: string;
}

export function signingHeaders(
  algorithm: RequestSigningAlgorithm,
  account: Pick<UpstreamAccount, 'appKey' | 'appSecret'>,
  req: SignableRequest,
  now: number = Date.now(),
): Record<string, string> {
  const timestamp = String(now);
  const nonce = randomBytes(16).toString('hex');
  const canonical = canonicalRequestString({
    method: req.method,
    path: req.path,
    query: req.query,
    timestamp,
    nonce,
    bodyHashHex: hashHex(algorithm, req.body),
  });
  return {
    [SIGNING_HEADERS.appKey]: account.appKey,
    [SIGNING_HEADERS.timestamp]: timestamp,
    [SIGNING_HEADERS.nonce]: nonce,
    [SIGNING_HEADERS.signature]: hmacHex(algorithm, account.appSecret, canonical),
  };
}
