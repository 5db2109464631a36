// Security headers for everything we serve. The CSP is the one the built app itself passes:
// no inline script, nothing from another origin; wasm and blob workers only for the scanner.
import helmet, { type HelmetOptions } from 'helmet';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config.ts';

export async function securityHeaders(app: FastifyInstance, config: Config): Promise<void> {
  const idpOrigin = config.idp.browserOrigin;
  const formAction = ["'self'"];
  if (idpOrigin && idpOrigin !== config.publicOrigin) formAction.push(idpOrigin);
  const headers = fixedHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        mediaSrc: ["'self'", 'blob:'],
        workerSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction,
        frameAncestors: ["'self'", ...config.frameAncestors],
        upgradeInsecureRequests: config.publicOrigin.startsWith('https:') ? [] : null,
      },
    },
    // Portals may embed us (frame-ancestors decides); X-Frame-Options cannot express a list.
    frameguard: false,
    crossOriginEmbedderPolicy: false,
    // With portals configured, the sign-in popup a frame opens must keep window.opener to hand
    // the sign-in back (docs/embedding.md); COOP same-origin on any page of its way would cut it.
    crossOriginOpenerPolicy: config.frameAncestors.length > 0 ? { policy: 'unsafe-none' } : true,
    hsts: config.publicOrigin.startsWith('https:') ? { maxAge: 31_536_000 } : false,
    referrerPolicy: { policy: 'same-origin' },
  });
  // @fastify/helmet rebuilt helmet's middleware, CSP parsing included, on every request (about a
  // third of /healthz's cost, docs/performance.md). Nothing here varies per request, so helmet runs
  // once and each answer gets the same headers.
  // On the raw response, as helmet did, so hijacked routes (the embedded identity provider) keep them.
  const entries = Object.entries(headers);
  app.addHook('onRequest', (req, reply, done) => {
    for (const [name, value] of entries) reply.raw.setHeader(name, value);
    // Every /api answer is about one signed-in person (or says why not): never kept by a browser or
    // a shared cache, errors included (issue 10, finding 9).
    if (req.url === '/api' || req.url.startsWith('/api/') || req.url.startsWith('/api?')) reply.raw.setHeader('cache-control', 'no-store');
    done();
  });
}

/** The headers helmet would set, computed once by running its middleware against a recording response. */
function fixedHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: () => undefined,
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
  });
  return headers;
}
