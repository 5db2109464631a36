import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../config.ts';
import { identityReady } from '../identity/probe.ts';

const Health = Type.Object({ status: Type.String() });
const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  checks: Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.String()])),
});

async function reachable(url: string, init: RequestInit, expectJson: (body: unknown) => boolean): Promise<string> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(3000) });
    const body: unknown = await res.json().catch(() => undefined);
    return expectJson(body) ? 'ok' : `unexpected answer (HTTP ${res.status})`;
  } catch (err) {
    return err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : 'unreachable';
  }
}

export async function healthRoutes(app: FastifyInstance, config: Config): Promise<void> {
  // Liveness: the process answers. Nothing else, so a slow upstream never gets us restarted.
  app.get('/healthz', { schema: { response: { 200: Health } }, logLevel: 'warn' }, async () => ({ status: 'ok' }));

  // Readiness: the two systems every holder request depends on answer as they should.
  app.get('/readyz', { schema: { response: { 200: Ready, 503: Ready } }, logLevel: 'warn' }, async (_req, reply) => {
    const [upstream, identity] = await Promise.all([
      // Any license-app envelope proves the service is there; without a session it refuses politely.
      reachable(`${config.upstream.url}/security/get_current_user`, { method: 'GET' }, (b) => typeof b === 'object' && b !== null && 'ack_code' in b),
      identityReady(config.idp),
    ]);
    const checks = { upstream, identity };
    const ready = upstream === 'ok' && identity === 'ok';
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
}
