// Security headers for everything we serve. The CSP is the one the built app itself passes:
// no inline script, nothing from another origin; wasm and blob workers only for the scanner.
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';

export async function securityHeaders(app: FastifyInstance, config: Config): Promise<void> {
  const idpOrigin = config.idp.browserOrigin;
  const formAction = ["'self'"];
  if (idpOrigin && idpOrigin !== config.publicOrigin) formAction.push(idpOrigin);
  await app.register(helmet, {
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

  // Every /api answer is about one signed-in person (or says why not): never kept by a browser or
  // a shared cache, errors included (issue 10, finding 9).
  app.addHook('onSend', async (req, reply) => {
    const path = req.url.split('?', 1)[0] ?? '';
    if (path === '/api' || path.startsWith('/api/')) void reply.header('cache-control', 'no-store');
  });
}
