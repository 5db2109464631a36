// Serves the built H5 app: hashed assets pre-compressed (gzip, brotli) and cached for a year,
// index.html never cached, client-side routes fall back to index.html. API-like paths never
// fall back: an unknown /api path is a JSON 404, not the SPA.
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorBody } from '../errors.ts';

const NON_SPA = /^\/(api|auth|sandbox|healthz|readyz)(\/|$|\?)/;

export async function webStatic(app: FastifyInstance, distDir: string): Promise<void> {
  const root = resolve(distDir);
  const hasBuild = existsSync(resolve(root, 'index.html'));
  if (hasBuild) {
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
  app.setNotFoundHandler((req, reply) => {
    const wantsPage = (req.method === 'GET' || req.method === 'HEAD') && !NON_SPA.test(req.url) && !/\.[a-z0-9]+$/i.test(req.url.split('?')[0] ?? '');
    if (wantsPage && hasBuild) {
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    }
    return reply.code(404).send(errorBody('NOT_FOUND', '请求的地址不存在', req.id));
  });
}
