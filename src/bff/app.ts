// Builds the BFF: everything registered, nothing listening. server.ts listens; tests inject.
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import { randomUUID } from 'node:crypto';
import type { Config } from './config.ts';
import { loggerOptions } from './logging.ts';
import { securityHeaders } from './plugins/security.ts';
import { bodyGuardPlugin } from './plugins/body-guard.ts';
import { errorEnvelopePlugin } from './plugins/error-envelope.ts';
import { webStatic } from './plugins/web-static.ts';
import { healthRoutes, type StoreCheck } from './routes/health.ts';
import { bffStorePlugin } from './store/plugin.ts';
import { redisPlugin } from './store/redis-plugin.ts';
import { upstreamPlugin } from './upstream/plugin.ts';
import { sessionPlugin } from './plugins/session.ts';
import { shedPlugin } from './plugins/shed.ts';
import { authRoutes } from './routes/auth.ts';
import { sessionRoutes } from './routes/session.ts';
import { counterRoutes } from './routes/counter.ts';
import { holderRoutes } from './routes/holder.ts';
import { holderServicesPlugin } from './services/holder-services.ts';
import { authorisationExpiryPlugin, type Clock } from './services/authorisations-expiry.ts';
import { embedHandoffPlugin } from './routes/embed-handoff.ts';
import { counterRequestRoutes } from './routes/counter-requests.ts';

export interface BuildOptions {
  /** Replace the logger (tests capture log lines to check that nothing personal leaks). */
  logger?: boolean | object;
  /** The upstream clients' network edge (tests count or break calls there). */
  upstreamFetch?: typeof fetch;
  /** Time and timers of the holder's services (tests move time instead of waiting for it). */
  clock?: Clock;
  /** The event-loop delay the overload shed reads (tests inject pressure instead of making it). */
  eventLoopDelayMs?: () => number;
}

const trustHops = (hops: number) => (_address: string, hop: number): boolean => hop < hops;

/** What /readyz checks besides the upstream and the identity platform: the shared stores, when set. */
function readinessChecks(app: FastifyInstance, config: Config): Record<string, StoreCheck> {
  const checks: Record<string, StoreCheck> = {};
  const { stores, redis } = app;
  if (config.databaseUrl) checks.database = async () => { await stores.ping(); return 'ok'; };
  if (redis) checks.redis = () => redis.ping();
  return checks;
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config.logLevel, config.logFormat),
    genReqId: () => randomUUID(),
    // TRUST_PROXY decides whose X-Forwarded-For counts; req.ip keys every per-address limit.
    // A hop count as proxy-addr reads one (Fastify's types know only the function form).
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    // Routes set their own (plugins/body-guard.ts); this is the ceiling for anything else.
    bodyLimit: 65_536,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array' } },
    // Start-up migrates stores and, with the embedded sandbox, seeds it through the issuer API:
    // on a busy two-core machine that passed Fastify's 10 s default, failing a healthy start.
    pluginTimeout: 60_000,
  });

  await app.register(errorEnvelopePlugin);
  await app.register(bodyGuardPlugin);
  await securityHeaders(app, config);
  await app.register(cookie);
  // Stores, then what uses them; each plugin starts and stops its own part.
  await app.register(bffStorePlugin, { config });
  await redisPlugin(app, config);
  await upstreamPlugin(app, config, { fetch: options.upstreamFetch });
  // Before the session lookup: a shed answer costs no store read.
  await shedPlugin(app, config.shed, { eventLoopDelayMs: options.eventLoopDelayMs });
  const sessions = await sessionPlugin(app, config);
  await app.register(holderServicesPlugin, { config, clock: options.clock });
  await app.register(authorisationExpiryPlugin);
  await authRoutes(app, config, sessions);
  await sessionRoutes(app);
  await counterRoutes(app, config);
  await holderRoutes(app);
  await counterRequestRoutes(app, config);
  await app.register(embedHandoffPlugin, { config, sessions });
  await healthRoutes(app, config, readinessChecks(app, config));
  await webStatic(app, config.webDist, sessions, config.firstScreenBudgetMs);
  return app;
}
