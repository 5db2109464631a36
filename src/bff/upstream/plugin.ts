// Decorates the BFF with its two upstream clients (fastify.d.ts: app.upstream,
// app.counterUpstream) and ends their upstream sessions when the BFF closes.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { UpstreamCapabilities } from './capabilities.ts';
import { createUpstreamClients } from './client.ts';
import { createUpstreamFetch } from './dispatcher.ts';

export interface UpstreamPluginOptions {
  /** The network edge, replaceable by tests. */
  fetch?: typeof fetch;
}

export async function upstreamPlugin(app: FastifyInstance, config: Config, options: UpstreamPluginOptions = {}): Promise<void> {
  let capabilities: UpstreamCapabilities | null = null;
  // One keep-alive pool for both clients, unless a test replaces the network edge.
  const edge = options.fetch ? null : createUpstreamFetch();
  // A reconnection may mean a different upstream (a redeploy, a failover): probe again.
  const { holder, counter } = createUpstreamClients(config, app.log, { fetch: options.fetch ?? edge?.fetch, onReconnect: () => void capabilities?.refresh() });
  capabilities = new UpstreamCapabilities({ holder, counter, configured: config.upstream.extensions, log: app.log.child({ feature: 'capabilities' }) });
  app.decorate('upstream', holder);
  app.decorate('counterUpstream', counter);
  app.decorate('upstreamCapabilities', capabilities);
  // onListen: the embedded sandbox answers on this very server only once it listens.
  const caps = capabilities;
  app.addHook('onListen', async () => {
    void caps.start();
  });
  // preClose: the embedded sandbox is reached over this very server, which onClose has already shut.
  app.addHook('preClose', async () => {
    await Promise.allSettled([holder.close(), counter.close()]);
    await edge?.close();
  });
}
