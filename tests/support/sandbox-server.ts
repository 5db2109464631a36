import { freePort, onFreePort } from './ports.ts';
import Fastify, { type FastifyInstance } from 'fastify';
import { sandboxPlugin, type SandboxOptions } from '../../src/sandbox/index.ts';

// A real sandbox on a loopback port. The identity provider's issuer URL must contain the port,
// so a free port is found first, then the app is built for it and listens on it.

export const TEST_IDP_CLIENT = {
  client_id: 'test-rp',
  client_secret: 'test-rp-secret',
  redirect_uri: 'http://127.0.0.1/test-callback',
} as const;

export interface RunningSandbox {
  origin: string;
  /** e.g. http://127.0.0.1:PORT/sandbox/license-app/v1 */
  apiRoot: string;
  issuer: string;
  app: FastifyInstance;
  close: () => Promise<void>;
}

export { freePort };

/** `extraClients`: more relying parties to register at the provider (a BFF under test). */
type StartSandboxOptions = Partial<Omit<SandboxOptions, 'origin'>> & { extraClients?: SandboxOptions['idpClients'] };

export async function startSandbox(opts: StartSandboxOptions = {}): Promise<RunningSandbox> {
  return onFreePort((port) => startSandboxOn(port, opts));
}

async function startSandboxOn(port: number, opts: StartSandboxOptions): Promise<RunningSandbox> {
  const origin = `http://127.0.0.1:${port}`;
  const app = Fastify({ logger: false, pluginTimeout: 60_000 });
  const { extraClients = [], ...sandboxOpts } = opts;
  await app.register(sandboxPlugin, {
    dbFile: ':memory:',
    ...sandboxOpts,
    origin,
    idpClients: [
      { client_id: TEST_IDP_CLIENT.client_id, client_secret: TEST_IDP_CLIENT.client_secret, redirect_uris: [TEST_IDP_CLIENT.redirect_uri] },
      ...(opts.idpClients ?? []),
      ...extraClients,
    ],
  });
  try {
    await app.listen({ port, host: '127.0.0.1' });
  } catch (err) {
    await app.close();
    throw err;
  }
  return {
    origin,
    apiRoot: `${origin}${opts.licensePrefix ?? '/sandbox/license-app/v1'}`,
    issuer: `${origin}${opts.idpPrefix ?? '/sandbox/idp'}`,
    app,
    close: () => app.close(),
  };
}
