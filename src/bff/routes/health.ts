import type { FastifyInstance } from 'fastify';
import { HealthSchema, ReadinessSchema } from '../../contract/bff-health.ts';
import type { Config } from '../config.ts';
import { identityReady } from '../identity/probe.ts';


async function reachable(url: string, init: RequestInit, expectJson: (body: unknown) => boolean): Promise<string> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(3000) });
    const body: unknown = await res.json().catch(() => undefined);
    return expectJson(body) ? 'ok' : `unexpected answer (HTTP ${res.status})`;
  } catch (err) {
    return err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : 'unreachable';
  }
}

/** A store's check for /readyz: 'ok', or a short reason. */
export type StoreCheck = () => Promise<string>;

/**
 * `stores`: the shared stores this instance needs (redis with REDIS_URL; a PostgreSQL `ping()` with
 * DATABASE_URL is added the same way). An instance that cannot reach one is not ready.
 */
export async function healthRoutes(app: FastifyInstance, config: Config, stores: Record<string, StoreCheck> = {}): Promise<void> {
  // Liveness: the process answers. Nothing else, so a slow upstream never gets us restarted.
  app.get('/healthz', { schema: { response: { 200: HealthSchema } }, logLevel: 'warn' }, async () => ({ status: 'ok' }));

  // Readiness: the systems every holder request depends on answer as they should.
  app.get('/readyz', { schema: { response: { 200: ReadinessSchema, 503: ReadinessSchema } }, logLevel: 'warn' }, async (_req, reply) => {
    const storeNames = Object.keys(stores);
    const [upstream, identity, ...storeResults] = await Promise.all([
      // Any license-app envelope proves the service is there; without a session it refuses politely.
      reachable(`${config.upstream.url}/security/get_current_user`, { method: 'GET' }, (b) => typeof b === 'object' && b !== null && 'ack_code' in b),
      identityReady(config.idp),
      ...storeNames.map((name) => stores[name]!().catch(() => 'unreachable')),
    ]);
    const checks: Record<string, string> = { upstream, identity };
    storeNames.forEach((name, i) => (checks[name] = storeResults[i]!));
    const ready = Object.values(checks).every((c) => c === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
}
