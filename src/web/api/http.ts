// The one axios instance. Only these interceptors unwrap answers, map errors and react to
// 401; stores call the api/ modules and never see axios.
import axios, { AxiosError, type AxiosResponse } from 'axios';
import { CSRF_HEADER, type ApiErrorBody, type ApiErrorCode } from '@contract/bff';
import { t } from '../i18n';

/** What every failed call rejects with: a code to branch on and a sentence to show. */
export class ApiRequestError extends Error {
  constructor(
    readonly code: ApiErrorCode | 'NETWORK',
    message: string,
    readonly status: number,
    readonly requestId?: string,
    /** A 503's Retry-After in seconds, when it gave one as a number. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

declare module 'axios' {
  interface AxiosRequestConfig {
    /** A 401 here only means "not signed in yet": the router's guard decides, not the 401 handler. */
    quietUnauthenticated?: boolean;
  }
}

export const http = axios.create({
  baseURL: '/api',
  timeout: 20_000,
  // Same origin only (the BFF serves the page), so the browser sends the session cookie without
  // `withCredentials`, in a portal's iframe too.
  headers: { Accept: 'application/json' },
  // Our query parameters are flat strings; axios's own serialiser is left out of the build (vite.config.ts).
  paramsSerializer: { serialize: (params) => new URLSearchParams(params as Record<string, string>).toString() },
});

let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

type UnauthenticatedListener = () => void;
let onUnauthenticated: UnauthenticatedListener | null = null;
/** The router registers what a 401 means: sign in again and come back here. */
export function setUnauthenticatedHandler(listener: UnauthenticatedListener | null): void {
  onUnauthenticated = listener;
}

type SuccessListener = () => void;
let onSuccess: SuccessListener | null = null;
/** Every answered call counts as activity: the BFF extends the idle timeout on each one. */
export function setSuccessHandler(listener: SuccessListener | null): void {
  onSuccess = listener;
}

http.interceptors.request.use((config) => {
  const method = (config.method ?? 'get').toLowerCase();
  if (csrfToken && !['get', 'head', 'options'].includes(method)) {
    config.headers.set(CSRF_HEADER, csrfToken);
  }
  return config;
});

/** Retry-After as delta-seconds on a 503 (the BFF sends no HTTP-date form). */
function retryAfterOf(error: AxiosError): number | undefined {
  if (error.response?.status !== 503) return undefined;
  const raw = error.response.headers['retry-after'] as unknown;
  return typeof raw === 'string' && /^\d{1,4}$/.test(raw.trim()) ? Number(raw) : undefined;
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  return typeof value === 'object' && value !== null && typeof (value as ApiErrorBody).error?.message === 'string';
}

http.interceptors.response.use(
  (response: AxiosResponse) => {
    onSuccess?.();
    return response;
  },
  (error: AxiosError) => {
    const status = error.response?.status ?? 0;
    const body = error.response?.data;
    if (status === 401 && !error.config?.url?.endsWith('/session') && !error.config?.quietUnauthenticated) onUnauthenticated?.();
    if (isErrorBody(body)) {
      return Promise.reject(new ApiRequestError(body.error.code, body.error.message, status, body.error.requestId, retryAfterOf(error)));
    }
    if (!error.response) return Promise.reject(new ApiRequestError('NETWORK', t('error.network'), 0));
    return Promise.reject(new ApiRequestError('UPSTREAM_ERROR', t('error.server'), status));
  },
);

/** A busy BFF's Retry-After longer than this is not waited for: the page shows its error state. */
export const CALM_RETRY_MAX_SECONDS = 10;

/** Waits `ms`, or rejects as axios does when the caller aborts meanwhile. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * GET and unwrap: api modules return the body type, not the axios response. A read answered 503
 * with Retry-After (the BFF shedding load, or the service briefly away) is asked once more after
 * that wait; a second failure reaches the page's error state as any other.
 */
export async function getJson<T>(url: string, params?: Record<string, unknown>, signal?: AbortSignal, quietUnauthenticated = false): Promise<T> {
  const get = async () => (await http.get<T>(url, { params, signal, quietUnauthenticated })).data;
  try {
    return await get();
  } catch (err) {
    const wait = err instanceof ApiRequestError ? err.retryAfterSeconds : undefined;
    if (wait === undefined || wait > CALM_RETRY_MAX_SECONDS) throw err;
    await pause(wait * 1000, signal);
    return get();
  }
}

export async function postJson<T>(url: string, body?: unknown): Promise<T> {
  return (await http.post<T>(url, body)).data;
}
