// How upstream calls leave the process: undici's `request` over one keep-alive Agent, behind the
// `fetch` signature the upstream client (and the tests replacing its network edge) already use.
// The global `fetch` cost about three times the CPU per call (WHATWG streams, Request/Response
// objects, a body mixin) and was the largest share of the BFF's own work per wallet read against
// an instant upstream (docs/performance.md).
import { Agent, request, type Dispatcher } from 'undici';

export interface UpstreamDispatcherOptions {
  /** Sockets per upstream origin (unlimited, as the global fetch); calls beyond it queue in the Agent. */
  connections?: number;
  /** How long an idle socket is kept for the next call. */
  keepAliveMs?: number;
}

/** Statuses the Response constructor refuses a body for. */
const NO_BODY = new Set([101, 204, 205, 304]);

function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers || Array.isArray(headers)) return Object.fromEntries(headers);
  return headers as Record<string, string>;
}

function responseHeaders(raw: Dispatcher.ResponseData['headers']): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      try {
        out.append(name, v);
      } catch {
        // A header the Headers class refuses (bytes outside Latin-1): the client reads none of them.
      }
    }
  }
  return out;
}

/**
 * A `fetch` for upstream calls: same inputs and outcomes as the global one for what the client
 * sends (a URL, a method, string headers and body, a signal, `redirect: 'error'`), so a failure
 * is still a rejected promise (a TypeError for transport faults and redirects, the signal's reason
 * on abort) and an answer is still a Response.
 */
export function createUpstreamFetch(options: UpstreamDispatcherOptions = {}): { fetch: typeof fetch; close: () => Promise<void> } {
  const agent = new Agent({
    ...(options.connections ? { connections: options.connections } : {}),
    keepAliveTimeout: options.keepAliveMs ?? 30_000,
    keepAliveMaxTimeout: Math.max(options.keepAliveMs ?? 30_000, 60_000),
  });
  const upstreamFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    if (input instanceof Request) throw new TypeError('createUpstreamFetch: pass a URL, not a Request');
    const signal = init.signal ?? undefined;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(input, {
        method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: headerRecord(init.headers),
        body: typeof init.body === 'string' ? init.body : undefined,
        signal,
        dispatcher: agent,
      });
    } catch (err) {
      // Aborts keep the signal's reason (TimeoutError, the client's own close), as fetch does.
      if (signal?.aborted) throw signal.reason;
      throw new TypeError('fetch failed', { cause: err });
    }
    if ((res.statusCode >= 300 && res.statusCode < 400 && init.redirect === 'error') || res.statusCode > 599) {
      res.body.resume();
      throw new TypeError('fetch failed', { cause: new Error(`unexpected HTTP ${res.statusCode}`) });
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw new TypeError('fetch failed', { cause: err });
    }
    return new Response(NO_BODY.has(res.statusCode) ? null : text, { status: res.statusCode, headers: responseHeaders(res.headers) });
  };
  // destroy, not close: close would wait for a long poll still in flight at shutdown.
  return { fetch: upstreamFetch as typeof fetch, close: () => agent.destroy() };
}
