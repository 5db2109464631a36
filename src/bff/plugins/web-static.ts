// Serves the built H5 app: hashed assets pre-compressed (gzip, brotli) and cached for a year,
// index.html never cached, client-side routes fall back to index.html. API-like paths never
// fall back: an unknown /api path is a JSON 404, not the SPA. A signed-in citizen's / is the
// wallet rendered on the server (first-screen.ts) when the build has its renderer.
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorBody } from '../errors.ts';
import { firstScreen } from './first-screen.ts';
import type { SessionContext } from './session.ts';

const NON_SPA = /^\/(api|auth|sandbox|healthz|readyz)(\/|$|\?)/;

interface Page {
  identity: Buffer;
  br?: Buffer;
  gzip?: Buffer;
}

function readPage(file: string): Page {
  const optional = (path: string) => (existsSync(path) ? readFileSync(path) : undefined);
  return { identity: readFileSync(file), br: optional(`${file}.br`), gzip: optional(`${file}.gz`) };
}

/** The best encoding the client accepts that we have pre-compressed. */
function negotiate(req: FastifyRequest, page: Page): { encoding?: 'br' | 'gzip'; body: Buffer } {
  const accepted = String(req.headers['accept-encoding'] ?? '');
  if (page.br && /\bbr\b/.test(accepted)) return { encoding: 'br', body: page.br };
  if (page.gzip && /\bgzip\b/.test(accepted)) return { encoding: 'gzip', body: page.gzip };
  return { body: page.identity };
}

export async function webStatic(app: FastifyInstance, distDir: string, sessions: SessionContext, firstScreenBudgetMs: number): Promise<void> {
  const root = resolve(distDir);
  const indexFile = resolve(root, 'index.html');
  // Read once: it is a few hundred bytes, and every client-side route answers with it.
  const index = existsSync(indexFile) ? readPage(indexFile) : null;
  if (index) {
    await app.register(fastifyStatic, {
      root,
      preCompressed: true,
      wildcard: true,
      index: false,
      // Hashed file names change with their content, so they can be cached for good.
      cacheControl: false,
      setHeaders(reply, path) {
        reply.header('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  const sendIndex = (req: FastifyRequest, reply: FastifyReply, page: Page) => {
    const { encoding, body } = negotiate(req, page);
    if (encoding) reply.header('content-encoding', encoding);
    return reply.header('vary', 'accept-encoding').header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(body);
  };
  const wallet = index && firstScreenBudgetMs > 0 ? await firstScreen(app, root, index.identity.toString('utf8'), sessions, firstScreenBudgetMs) : null;
  // The static plugin's wildcard would answer "/" as a directory listing it may not show.
  if (index) {
    app.get('/', async (req, reply) => {
      if (wallet && (await wallet.serve(req, reply))) return reply;
      return sendIndex(req, reply, index);
    });
  }
  app.setNotFoundHandler((req, reply) => {
    const wantsPage = (req.method === 'GET' || req.method === 'HEAD') && !NON_SPA.test(req.url) && !/\.[a-z0-9]+$/i.test(req.url.split('?')[0] ?? '');
    if (wantsPage && index) return sendIndex(req, reply, index);
    return reply.code(404).send(errorBody('NOT_FOUND', '请求的地址不存在', req.id));
  });
}
