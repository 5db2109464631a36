// Every server setting comes from the environment and is checked here at boot, so a typo
// stops start-up with one line instead of surfacing as a strange failure later.
import { Type, type Static } from 'typebox';
import Value from 'typebox/value';
import { isIP } from 'node:net';
import { IdpEnvSchema, foreignIdpSetting, missingIdpSettings, resolveIdp, type IdpConfig } from './identity/settings.ts';
import { parseExtensionList, type UpstreamExtension } from '../contract/extensions.ts';
import type { ShedSettings } from './plugins/shed.ts';

const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const Seconds = Type.Integer({ minimum: 1 });

const EnvSchema = Type.Object({
  PORT: Type.Optional(Port),
  HOST: Type.Optional(Type.String({ minLength: 1 })),
  PUBLIC_ORIGIN: Type.Optional(Type.String({ pattern: '^https?://[^/]+$' })),
  LOG_LEVEL: Type.Optional(Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)))),
  LOG_FORMAT: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('pretty')])),
  BFF_DB: Type.Optional(Type.String({ minLength: 1 })),
  SANDBOX_DB: Type.Optional(Type.String({ minLength: 1 })),
  WEB_DIST: Type.Optional(Type.String({ minLength: 1 })),
  /** How long GET / waits for a signed-in citizen's wallet before the page goes out without it (issue 11). */
  FIRST_SCREEN_BUDGET_MS: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  UPSTREAM_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  UPSTREAM_APP_KEY: Type.Optional(Type.String({ minLength: 1 })),
  UPSTREAM_APP_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  UPSTREAM_ACCOUNT: Type.Optional(Type.String({ minLength: 1 })),
  UPSTREAM_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  UPSTREAM_SIGNING: Type.Optional(Type.Union([Type.Literal('off'), Type.Literal('sha256'), Type.Literal('sm3')])),
  UPSTREAM_TIMEOUT_MS: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000 })),
  UPSTREAM_EXTENSIONS: Type.Optional(Type.String({ pattern: '^[a-z_, ]+$' })),
  UPSTREAM_WEB_ROOT: Type.Optional(Type.String({ pattern: '^https?://[^?#]+$' })),
  SANDBOX_EXTENSIONS: Type.Optional(Type.String({ pattern: '^[a-z_, ]+$' })),
  COUNTER_UPSTREAM_APP_KEY: Type.Optional(Type.String({ minLength: 1 })),
  COUNTER_UPSTREAM_APP_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  COUNTER_UPSTREAM_ACCOUNT: Type.Optional(Type.String({ minLength: 1 })),
  COUNTER_UPSTREAM_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  ...IdpEnvSchema,
  SESSION_IDLE_SECONDS: Type.Optional(Seconds),
  SESSION_ABSOLUTE_SECONDS: Type.Optional(Seconds),
  COOKIE_SAMESITE: Type.Optional(Type.Union([Type.Literal('lax'), Type.Literal('none')])),
  FRAME_ANCESTORS: Type.Optional(Type.String()),
  HOLDER_CODE_TTL_SECONDS: Type.Optional(Type.Integer({ minimum: 30, maximum: 86_400 })),
  AUTH_MIN_SECONDS: Type.Optional(Type.Integer({ minimum: 30 })),
  AUTH_MAX_SECONDS: Type.Optional(Type.Integer({ minimum: 30 })),
  COUNTER_RESULT_CLEAR_SECONDS: Type.Optional(Seconds),
  TRUST_PROXY: Type.Optional(Type.String({ maxLength: 2000 })),
  BFF_DATA_KEY: Type.Optional(Type.String({ minLength: 1 })),
  // Many instances (issue 13): PostgreSQL for the records, Redis for sessions, limits and live status.
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://[^\\s]+$' })),
  // Overload (issue 10): /api answers 503 + Retry-After at once past these; 0 turns a signal off.
  SHED_MAX_IN_FLIGHT: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  SHED_EVENT_LOOP_DELAY_MS: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
  SHED_RETRY_AFTER_SECONDS: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
});

type Env = Static<typeof EnvSchema>;

/** Prefixes that belong to the BFF: an unknown variable under them is a typo, not someone else's. */
// (SANDBOX_* is left out: the standalone sandbox, `npm run sandbox`, reads its own.)
const OWN_PREFIXES = ['UPSTREAM_', 'COUNTER_UPSTREAM_', 'IDP_', 'BFF_', 'SESSION_', 'AUTH_', 'SHED_'];

export interface UpstreamAccount {
  appKey: string;
  appSecret: string;
  account: string;
  password: string;
}

export interface Config {
  port: number;
  host: string;
  /** Where browsers reach us; the QR codes and the OIDC redirect URI are built from it. */
  publicOrigin: string;
  logLevel: string;
  logFormat: 'json' | 'pretty';
  bffDb: string;
  /** DATABASE_URL: the records in PostgreSQL (issue 13); null for the embedded SQLite file. */
  databaseUrl: string | null;
  webDist: string;
  /** FIRST_SCREEN_BUDGET_MS (0, off): the server-rendered wallet's wait for its data; 0 never renders it (decisions.md says why off). */
  firstScreenBudgetMs: number;
  /** Set when no UPSTREAM_* / IDP_* is configured at all: server.ts mounts the sandbox. */
  sandbox: { enabled: boolean; db: string; idpProtocol: IdpConfig['protocol']; extensions: UpstreamExtension[] };
  upstream: {
    url: string;
    holder: UpstreamAccount;
    counter: UpstreamAccount;
    signing: 'off' | 'sha256' | 'sm3';
    timeoutMs: number;
    /** UPSTREAM_EXTENSIONS: the spec extensions to use, or 'auto' to probe the upstream for them. */
    extensions: 'auto' | UpstreamExtension[];
    /** UPSTREAM_WEB_ROOT: where the service serves its own pages ({web_root}/license/view_license). */
    webRoot: string | null;
    /**
     * HOLDER_CODE_TTL_SECONDS: how long the upstream keeps a code from license/holder alive (spec 6.6,
     * [our decision] 300 s). license/holder does not say, so the BFF must be told; the embedded sandbox
     * is configured from it too, so both sides agree.
     */
    holderCodeTtlSeconds: number;
  };
  idp: IdpConfig;
  session: { idleSeconds: number; absoluteSeconds: number; sameSite: 'lax' | 'none' };
  frameAncestors: string[];
  authorisation: { minSeconds: number; maxSeconds: number; defaultSeconds: number };
  counterResultClearSeconds: number;
  /** Whose X-Forwarded-* headers count (Fastify's trustProxy): none, the nearest N hops, or these proxies. */
  trustProxy: TrustProxy;
  /** BFF_DATA_KEY: the AES-256 key for tokens and identity numbers at rest; null = a key file beside BFF_DB. */
  dataKey: Buffer | null;
  /** REDIS_URL: sessions, limits, handles, live status and the feed lease shared by many instances; null = embedded. */
  redisUrl: string | null;
  /** SHED_*: when /api is overloaded enough to answer 503 + Retry-After at once (plugins/shed.ts). */
  shed: ShedSettings;
}

export type TrustProxy = false | number | string[];

export class ConfigError extends Error {}

/** Without exception required once any of the production switch is set (issue 10: all or nothing). */
const PRODUCTION_UPSTREAM = [
  'UPSTREAM_URL', 'UPSTREAM_APP_KEY', 'UPSTREAM_APP_SECRET', 'UPSTREAM_ACCOUNT', 'UPSTREAM_PASSWORD',
  'COUNTER_UPSTREAM_APP_KEY', 'COUNTER_UPSTREAM_APP_SECRET', 'COUNTER_UPSTREAM_ACCOUNT', 'COUNTER_UPSTREAM_PASSWORD',
] as const;

/** How the BFF talks to whichever upstream it has, the embedded one included: not part of the switch. */
const UPSTREAM_TUNING = new Set(['UPSTREAM_SIGNING', 'UPSTREAM_TIMEOUT_MS', 'UPSTREAM_EXTENSIONS']);

/** Any other UPSTREAM_*, COUNTER_UPSTREAM_* or IDP_* setting means a real deployment: the sandbox stays out. */
function productionSwitch(env: Record<string, unknown>): boolean {
  return Object.keys(env).some((name) => /^(UPSTREAM_|COUNTER_UPSTREAM_|IDP_)/.test(name) && !UPSTREAM_TUNING.has(name));
}

// Whole-number settings, read from the schema itself. Not Value.Convert: it reads PORT=1.5 as 1
// and 0x50 as 80, and a bad setting must stop start-up (docs/decisions.md, "Reading settings").
const NUMERIC = new Set(
  Object.entries(EnvSchema.properties)
    .filter(([, s]) => (s as { type?: unknown }).type === 'integer')
    .map(([k]) => k),
);

function pick(source: NodeJS.ProcessEnv): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(source)) {
    if (raw === undefined || raw === '') continue;
    if (name in EnvSchema.properties) {
      picked[name] = NUMERIC.has(name) && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    } else if (OWN_PREFIXES.some((p) => name.startsWith(p))) {
      throw new ConfigError(`Unknown setting ${name}: see .env.example for the supported variables`);
    }
  }
  return picked;
}

function describe(name: string, value: unknown): string {
  // A server URL may carry its password: never echoed.
  const shown = /SECRET|PASSWORD|DATA_KEY|DATABASE_URL|REDIS_URL/.test(name) ? '(hidden)' : JSON.stringify(value);
  if (NUMERIC.has(name)) return `Invalid setting ${name}=${shown}: expected a whole number within range`;
  return `Invalid setting ${name}=${shown}: see .env.example for the allowed values`;
}

/**
 * TRUST_PROXY: `off` (default: the socket address is the client), a hop count (`1` = one proxy of
 * ours in front), or a comma list of proxy addresses / CIDRs. Never "trust everyone": then any
 * client could name its own address in X-Forwarded-For and step around per-address limits.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const value = (raw ?? '').trim();
  if (value === '' || /^(off|false|0)$/i.test(value)) return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 10) throw new ConfigError(`Invalid setting TRUST_PROXY=${value}: at most 10 proxy hops`);
    return hops;
  }
  const entries = value.split(/[\s,]+/).filter(Boolean);
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const maxPrefix = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new ConfigError(`Invalid setting TRUST_PROXY=${JSON.stringify(value)}: expected off, a hop count, or proxy addresses/CIDRs such as 10.0.0.0/8 (not ${JSON.stringify(entry)})`);
    }
  }
  return entries;
}

/** BFF_DATA_KEY: 32 bytes, base64 (`openssl rand -base64 32`). */
function parseDataKey(raw: string | undefined): Buffer | null {
  if (raw === undefined) return null;
  const key = Buffer.from(raw.trim(), 'base64');
  if (key.length !== 32 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw.trim())) {
    throw new ConfigError('Invalid setting BFF_DATA_KEY=(hidden): expected 32 bytes in base64 (openssl rand -base64 32)');
  }
  return key;
}

/** Reads and checks the environment. Throws ConfigError with one line naming the variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const env = pick(source);
  const firstError = Value.Errors(EnvSchema, env)[0];
  if (firstError) {
    const name = firstError.instancePath.replace(/^\//, '') || Object.keys(env)[0] || 'environment';
    throw new ConfigError(describe(name, env[name]));
  }
  const e = env as Env;
  const port = e.PORT ?? 8080;
  const publicOrigin = e.PUBLIC_ORIGIN ?? `http://localhost:${port}`;
  const production = productionSwitch(env);
  const sandboxEnabled = !production;
  if (production) {
    const missing = [...PRODUCTION_UPSTREAM.filter((name) => env[name] === undefined), ...missingIdpSettings(e)];
    if (missing.length > 0) {
      throw new ConfigError(`Incomplete production settings: ${missing.join(', ')} missing (set all of them for a real sharing service and identity platform, or no UPSTREAM_*/COUNTER_UPSTREAM_*/IDP_* at all for the embedded sandbox)`);
    }
  }
  const foreign = foreignIdpSetting(e);
  if (foreign) throw new ConfigError(`Setting ${foreign} does not apply to IDP_PROTOCOL=${e.IDP_PROTOCOL ?? 'oidc'}: see .env.example`);
  const idp = resolveIdp(e, sandboxEnabled ? `${publicOrigin}/sandbox/idp` : null);
  if (idp.credential === 'id_token' ? idp.protocol !== 'oidc' : idp.credential === 'access_token' && idp.protocol === 'cas') {
    throw new ConfigError(`Invalid setting IDP_CREDENTIAL=${JSON.stringify(idp.credential)}: IDP_PROTOCOL=${idp.protocol} has no such token; name an attribute (attribute:NAME)`);
  }
  // Issue 13: many instances need both servers; one alone would split the state between them.
  const hasDb = Boolean(source.DATABASE_URL);
  if (hasDb !== Boolean(source.REDIS_URL)) {
    const [set, unset] = hasDb ? ['DATABASE_URL', 'REDIS_URL'] : ['REDIS_URL', 'DATABASE_URL'];
    throw new ConfigError(`${set} is set without ${unset}: set both for many instances (PostgreSQL and Redis), or neither for the embedded stores`);
  }
  const authMin = e.AUTH_MIN_SECONDS ?? 60;
  const authMax = e.AUTH_MAX_SECONDS ?? 600;
  if (authMin > authMax) throw new ConfigError(`Invalid setting AUTH_MIN_SECONDS=${authMin}: larger than AUTH_MAX_SECONDS=${authMax}`);
  const holderCodeTtl = e.HOLDER_CODE_TTL_SECONDS ?? 300;
  const frameAncestors = (e.FRAME_ANCESTORS ?? '').split(/[\s,]+/).filter(Boolean);
  // Each goes into the CSP verbatim and names a postMessage target: an origin, nothing else.
  const badAncestor = frameAncestors.find((o) => !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o));
  if (badAncestor) throw new ConfigError(`Invalid setting FRAME_ANCESTORS=${JSON.stringify(badAncestor)}: expected origins such as https://portal.example.gov.cn`);
  const upstreamExtensions = !e.UPSTREAM_EXTENSIONS || e.UPSTREAM_EXTENSIONS.trim() === 'auto' ? 'auto' : parseExtensionList(e.UPSTREAM_EXTENSIONS);
  if (!upstreamExtensions) throw new ConfigError(describe('UPSTREAM_EXTENSIONS', e.UPSTREAM_EXTENSIONS));
  const sandboxExtensions = parseExtensionList(e.SANDBOX_EXTENSIONS ?? 'all');
  if (!sandboxExtensions) throw new ConfigError(describe('SANDBOX_EXTENSIONS', e.SANDBOX_EXTENSIONS));
  // The embedded sandbox is reached over loopback HTTP, exactly like a remote service.
  const loopback = `http://127.0.0.1:${port}`;
  return {
    port,
    host: e.HOST ?? '0.0.0.0',
    publicOrigin,
    logLevel: e.LOG_LEVEL ?? 'info',
    logFormat: e.LOG_FORMAT ?? 'json',
    bffDb: e.BFF_DB ?? 'data/bff.sqlite',
    databaseUrl: e.DATABASE_URL ?? null,
    webDist: e.WEB_DIST ?? 'dist',
    firstScreenBudgetMs: e.FIRST_SCREEN_BUDGET_MS ?? 0,
    sandbox: { enabled: sandboxEnabled, db: e.SANDBOX_DB ?? 'data/sandbox.sqlite', idpProtocol: idp.protocol, extensions: sandboxExtensions },
    upstream: {
      url: e.UPSTREAM_URL ?? `${loopback}/sandbox/license-app/v1`,
      holder: {
        appKey: e.UPSTREAM_APP_KEY ?? 'holder-h5',
        appSecret: e.UPSTREAM_APP_SECRET ?? 'holder-h5-secret',
        account: e.UPSTREAM_ACCOUNT ?? 'holder-h5',
        password: e.UPSTREAM_PASSWORD ?? 'holder-h5-pass',
      },
      counter: {
        appKey: e.COUNTER_UPSTREAM_APP_KEY ?? 'counter-demo',
        appSecret: e.COUNTER_UPSTREAM_APP_SECRET ?? 'counter-demo-secret',
        account: e.COUNTER_UPSTREAM_ACCOUNT ?? 'counter01',
        password: e.COUNTER_UPSTREAM_PASSWORD ?? 'counter01-pass',
      },
      signing: e.UPSTREAM_SIGNING ?? 'off',
      timeoutMs: e.UPSTREAM_TIMEOUT_MS ?? 8000,
      extensions: upstreamExtensions,
      webRoot: e.UPSTREAM_WEB_ROOT ? e.UPSTREAM_WEB_ROOT.replace(/\/+$/, '') : null,
      holderCodeTtlSeconds: holderCodeTtl,
    },
    idp,
    session: {
      idleSeconds: e.SESSION_IDLE_SECONDS ?? 30 * 60,
      absoluteSeconds: e.SESSION_ABSOLUTE_SECONDS ?? 8 * 60 * 60,
      // A portal's iframe only keeps a session with SameSite=None; Partitioned (CHIPS).
      sameSite: e.COOKIE_SAMESITE ?? (frameAncestors.length > 0 ? 'none' : 'lax'),
    },
    frameAncestors,
    authorisation: { minSeconds: authMin, maxSeconds: authMax, defaultSeconds: Math.min(Math.max(holderCodeTtl, authMin), authMax) },
    counterResultClearSeconds: e.COUNTER_RESULT_CLEAR_SECONDS ?? 120,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    dataKey: parseDataKey(e.BFF_DATA_KEY),
    redisUrl: e.REDIS_URL ?? null,
    shed: {
      maxInFlight: e.SHED_MAX_IN_FLIGHT ?? 64,
      maxEventLoopDelayMs: e.SHED_EVENT_LOOP_DELAY_MS ?? 0,
      retryAfterSeconds: e.SHED_RETRY_AFTER_SECONDS ?? 2,
    },
  };
}
