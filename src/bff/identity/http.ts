// What the identity adapters share about talking to a platform over HTTP: a time limit on every
// call, one 503 for "cannot be reached", and form posts with client authentication.
import { ApiError } from '../errors.ts';

/** The platform's HTTP calls (discovery, token, userinfo, ticket validation) never hang a request. */
export const HTTP_TIMEOUT_MS = 10_000;
/** Assumed when the token response carries no expires_in. */
export const DEFAULT_TOKEN_SECONDS = 600;

export const providerUnavailable = (): ApiError => new ApiError(503, 'UPSTREAM_UNAVAILABLE', '统一身份认证平台暂时无法访问，请稍后再试');

/**
 * A token endpoint's refusal that means "later", not "never": an overloaded or failing provider
 * (5xx, 429, RFC 6749's server_error / temporarily_unavailable). Only the rest (invalid_grant
 * above all) may end a holder's session.
 */
export const transientRefusal = (status: number, error: string | undefined): boolean =>
  status >= 500 || status === 429 || error === 'server_error' || error === 'temporarily_unavailable';

/** The callback's query as it arrived, for libraries that want the full redirect URL. */
export function queryString(query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
  return params.toString();
}

/** fetch with the time limit; a network failure or timeout becomes the 503. */
export async function platformFetch(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  } catch {
    throw providerUnavailable();
  }
}

export function basicAuth(clientId: string, clientSecret: string): string {
  // RFC 6749 2.3.1: both parts form-urlencoded before base64.
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
}

/** A JSON body, or undefined when the answer is not JSON. */
export async function jsonOf(res: Response): Promise<Record<string, unknown> | undefined> {
  try {
    const body: unknown = await res.json();
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
