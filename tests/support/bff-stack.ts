import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOptions } from '../../src/bff/app.ts';
import { loadConfig, type Config } from '../../src/bff/config.ts';
import { loggerOptions } from '../../src/bff/logging.ts';
import { sandboxPlugin, type SandboxOptions } from '../../src/sandbox/index.ts';
import { onFreePort } from './ports.ts';
import { TEST_IDP_CLIENT } from './sandbox-server.ts';

// The BFF exactly as `npm start` composes it (src/server.ts): one process, one loopback port,
// the sandbox and its identity provider mounted beside the BFF and reached over real HTTP.

export interface BffStack {
  /** http://127.0.0.1:PORT — the public origin, the BFF and the sandbox. */
  origin: string;
  config: Config;
  app: FastifyInstance;
  /** Every log line (BFF and sandbox) when `captureLogs` was set. */
  logs: string[];
  close: () => Promise<void>;
}

export interface BffStackOptions {
  /** Extra environment for loadConfig (e.g. SESSION_IDLE_SECONDS). */
  env?: Record<string, string>;
  /** Sandbox options (e.g. sessionTtlSeconds, requestSigning; dbFile to keep it across a restart). */
  sandbox?: Partial<Omit<SandboxOptions, 'origin' | 'idpClients'>>;
  /** Listen on this port (a restart on the same port keeps the provider's issuer URL; a test that
   * registers this origin at a separate identity provider first). */
  port?: number;
  /** Wraps the upstream clients' fetch: the network edge. */
  upstreamFetch?: typeof fetch;
  /** Keep log lines (level debug) in `logs` instead of discarding them. */
  captureLogs?: boolean;
  /** Time and timers of the holder's services (tests/support/clock.ts moves them). */
  clock?: BuildOptions['clock'];
  /** The event-loop delay the overload shed reads (plugins/shed.ts): pressure without making it. */
  eventLoopDelayMs?: BuildOptions['eventLoopDelayMs'];
  /** Called after buildApp, before listen: a test can add a route that uses app.upstream. */
  beforeListen?: (app: FastifyInstance) => void | Promise<void>;
}

/** Login as the BFF against the sandbox provider needs the BFF's own client registered there. */
export async function startBffStack(opts: BffStackOptions = {}): Promise<BffStack> {
  return opts.port === undefined ? onFreePort((port) => startBffStackOn(port, opts)) : startBffStackOn(opts.port, opts);
}

async function startBffStackOn(port: number, opts: BffStackOptions): Promise<BffStack> {
  const origin = `http://127.0.0.1:${port}`;
  // SANDBOX_EXTENSIONS from the test run (vitest.config.ts runs the BFF suites with all and with none).
  const fromRun = process.env.SANDBOX_EXTENSIONS ? { SANDBOX_EXTENSIONS: process.env.SANDBOX_EXTENSIONS } : {};
  const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', PUBLIC_ORIGIN: origin, BFF_DB: ':memory:', ...fromRun, ...opts.env });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const app = await buildApp(config, {
    logger: opts.captureLogs ? { ...(loggerOptions('debug', 'json') as object), stream } : false,
    upstreamFetch: opts.upstreamFetch,
    clock: opts.clock,
    eventLoopDelayMs: opts.eventLoopDelayMs,
  });
  if (config.sandbox.enabled) {
    await app.register(sandboxPlugin, {
      dbFile: ':memory:',
      idpProtocol: config.sandbox.idpProtocol,
      extensions: config.sandbox.extensions,
      ...opts.sandbox,
      origin,
      idpClients: [
        {
          client_id: config.idp.clientId,
          client_secret: config.idp.clientSecret,
          redirect_uris: [`${origin}/auth/callback`],
          post_logout_redirect_uris: [`${origin}/`, `${origin}/login`],
        },
        { client_id: TEST_IDP_CLIENT.client_id, client_secret: TEST_IDP_CLIENT.client_secret, redirect_uris: [TEST_IDP_CLIENT.redirect_uri] },
      ],
    });
  }
  await opts.beforeListen?.(app);
  try {
    await app.listen({ port, host: '127.0.0.1' });
  } catch (err) {
    await app.close();
    throw err;
  }
  await app.upstreamCapabilities.ready();
  return { origin, config, app, logs, close: () => app.close() };
}
