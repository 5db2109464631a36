// Decorates the BFF with its two upstream clients (fastify.d.ts: app.upstream,
// app.counterUpstream) and ends their upstream sessions when the BFF closes.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { createUpstreamClients } from './client.ts';

export interface UpstreamPluginOptions {
  /** The network edge, replaceable by tests. */
  fetch?: typeof fetch;
}

export async function upstreamPlugin(app: FastifyInstance, config: Config, options: UpstreamPluginOptions = {}): Promise<void> {
  const { holder, counter } = createUpstreamClients(config, app.log, options);
  app.decorate('upstream', holder);
  app.decorate('counterUpstream', counter);
  // preClose: the embedded sandbox is reached over this very server, which onClose has already shut.
  app.addHook('preClose', async () => {
    await Promise.allSettled([holder.close(), counter.close()]);
  });
}
