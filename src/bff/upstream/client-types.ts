// What the upstream client takes and gives (options, per-call options, results), and the small
// helpers that read the license-app/v1 envelope; the client itself is client.ts.
import type { FastifyBaseLogger } from 'fastify';
import { UPSTREAM_ERROR_CODES, type CatalogueEntry, type Envelope, type LicenseRecord } from '../../contract/upstream.ts';
import type { Config, UpstreamAccount } from '../config.ts';
import { UpstreamError } from './errors.ts';

export type SigningMode = Config['upstream']['signing'];
type QueryValue = string | number | boolean | undefined;
export type UpstreamQuery = Record<string, QueryValue>;

export interface UpstreamClientOptions {
  /** Names the access system in logs: 'holder' or 'counter'. */
  name: string;
  /** `{API_ROOT}`, e.g. http://127.0.0.1:8080/sandbox/license-app/v1 */
  apiRoot: string;
  account: UpstreamAccount;
  signing: SigningMode;
  timeoutMs: number;
  log: FastifyBaseLogger;
  /** The network edge; tests wrap it to count or break calls. */
  fetch?: typeof fetch;
  /** Pauses before each retry of a failed read. */
  retryDelaysMs?: readonly number[];
  /**
   * Called after each (re)connection: every login, and the first answer after a transport
   * failure. The capability probe runs again then, since the upstream may have changed.
   */
  onReconnect?: () => void;
  /** DB11/T 2290 6.6 `cas_no` sent with the holder's credential: the type of its login source (IDP_CAS_NO). */
  casNo?: string;
}

export interface CallOptions {
  /** Sent as `request_id` (echoed as `correlation_id`); a fresh UUID when absent. */
  requestId?: string;
  /** Cancels the call (e.g. the browser went away). */
  signal?: AbortSignal;
  /** Overrides the configured timeout for this call. */
  timeoutMs?: number;
  /** A POST that only reads (license/webpage, uses): retried on transient failures like a GET. */
  read?: boolean;
}

export interface RequestSpec {
  query?: UpstreamQuery;
  body?: object;
}

export interface HolderResult {
  licenses: LicenseRecord[];
  /** Parallel to `licenses`: a fresh usage code for each. */
  authCodes: string[];
}

export interface ByFunctionResult extends HolderResult {
  totalCount: number;
}

export interface CatalogueList {
  entries: CatalogueEntry[];
  totalCount: number;
}

const KNOWN_CODES: ReadonlySet<string> = new Set(UPSTREAM_ERROR_CODES);

export function isEnvelope(value: unknown): value is Envelope {
  if (!value || typeof value !== 'object') return false;
  const v = value as Partial<Envelope>;
  return (v.ack_code === 'SUCCESS' || v.ack_code === 'FAILURE') && (v.errors === undefined || v.errors === null || Array.isArray(v.errors));
}

export function firstError(env: Envelope): UpstreamError {
  const e = env.errors?.[0];
  const code = e && KNOWN_CODES.has(e.code) ? e.code : 'INTERNAL_ERROR';
  return new UpstreamError(code, typeof e?.message === 'string' ? e.message : '电子证照共享服务拒绝了请求', e?.inner_code);
}

export const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
