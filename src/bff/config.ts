// Every server setting comes from the environment and is checked here at boot, so a typo
// stops start-up with one line instead of surfacing as a strange failure later.
import { Type, type Static } from 'typebox';
import Value from 'typebox/value';
import { parseExtensionList, type UpstreamExtension } from '../contract/extensions.ts';

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
  IDP_ISSUER: Type.Optional(Type.String({ pattern: '^https?://' })),
  IDP_CLIENT_ID: Type.Optional(Type.String({ minLength: 1 })),
  IDP_CLIENT_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  SESSION_IDLE_SECONDS: Type.Optional(Seconds),
  SESSION_ABSOLUTE_SECONDS: Type.Optional(Seconds),
  COOKIE_SAMESITE: Type.Optional(Type.Union([Type.Literal('lax'), Type.Literal('none')])),
  FRAME_ANCESTORS: Type.Optional(Type.String()),
  HOLDER_CODE_TTL_SECONDS: Type.Optional(Type.Integer({ minimum: 30, maximum: 86_400 })),
  AUTH_MIN_SECONDS: Type.Optional(Type.Integer({ minimum: 30 })),
  AUTH_MAX_SECONDS: Type.Optional(Type.Integer({ minimum: 30 })),
  COUNTER_RESULT_CLEAR_SECONDS: Type.Optional(Seconds),
});

type Env = Static<typeof EnvSchema>;

/** Prefixes that belong to the BFF: an unknown variable under them is a typo, not someone else's. */
// (SANDBOX_* is left out: the standalone sandbox, `npm run sandbox`, reads its own.)
const OWN_PREFIXES = ['UPSTREAM_', 'COUNTER_UPSTREAM_', 'IDP_', 'BFF_', 'SESSION_', 'AUTH_'];

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
  webDist: string;
  /** Set when no UPSTREAM_URL / IDP_ISSUER is configured: server.ts mounts the sandbox. */
  sandbox: { enabled: boolean; db: string; holderCodeTtlSeconds: number; extensions: UpstreamExtension[] };
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
  };
  idp: { issuer: string; clientId: string; clientSecret: string };
  session: { idleSeconds: number; absoluteSeconds: number; sameSite: 'lax' | 'none' };
  frameAncestors: string[];
  authorisation: { minSeconds: number; maxSeconds: number; defaultSeconds: number };
  counterResultClearSeconds: number;
}

export class ConfigError extends Error {}

const NUMERIC = new Set(
  Object.entries(EnvSchema.properties)
    .filter(([, s]) => JSON.stringify(s).includes('"integer"'))
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
  const shown = /SECRET|PASSWORD/.test(name) ? '(hidden)' : JSON.stringify(value);
  if (NUMERIC.has(name)) return `Invalid setting ${name}=${shown}: expected a whole number within range`;
  return `Invalid setting ${name}=${shown}: see .env.example for the allowed values`;
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
  const sandboxEnabled = !e.UPSTREAM_URL || !e.IDP_ISSUER;
  if (e.UPSTREAM_URL && !(e.UPSTREAM_APP_KEY && e.UPSTREAM_APP_SECRET && e.UPSTREAM_ACCOUNT && e.UPSTREAM_PASSWORD)) {
    throw new ConfigError('UPSTREAM_URL is set, so UPSTREAM_APP_KEY, UPSTREAM_APP_SECRET, UPSTREAM_ACCOUNT and UPSTREAM_PASSWORD are required');
  }
  if (e.IDP_ISSUER && !(e.IDP_CLIENT_ID && e.IDP_CLIENT_SECRET)) {
    throw new ConfigError('IDP_ISSUER is set, so IDP_CLIENT_ID and IDP_CLIENT_SECRET are required');
  }
  const authMin = e.AUTH_MIN_SECONDS ?? 60;
  const authMax = e.AUTH_MAX_SECONDS ?? 600;
  if (authMin > authMax) throw new ConfigError(`Invalid setting AUTH_MIN_SECONDS=${authMin}: larger than AUTH_MAX_SECONDS=${authMax}`);
  const holderCodeTtl = e.HOLDER_CODE_TTL_SECONDS ?? 300;
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
    webDist: e.WEB_DIST ?? 'dist',
    sandbox: { enabled: sandboxEnabled, db: e.SANDBOX_DB ?? 'data/sandbox.sqlite', holderCodeTtlSeconds: holderCodeTtl, extensions: sandboxExtensions },
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
    },
    idp: {
      issuer: e.IDP_ISSUER ?? `${publicOrigin}/sandbox/idp`,
      clientId: e.IDP_CLIENT_ID ?? 'ecert-holder-bff',
      clientSecret: e.IDP_CLIENT_SECRET ?? 'ecert-holder-bff-dev-secret',
    },
    session: {
      idleSeconds: e.SESSION_IDLE_SECONDS ?? 30 * 60,
      absoluteSeconds: e.SESSION_ABSOLUTE_SECONDS ?? 8 * 60 * 60,
      sameSite: e.COOKIE_SAMESITE ?? 'lax',
    },
    frameAncestors: (e.FRAME_ANCESTORS ?? '').split(/[\s,]+/).filter(Boolean),
    authorisation: { minSeconds: authMin, maxSeconds: authMax, defaultSeconds: Math.min(Math.max(holderCodeTtl, authMin), authMax) },
    counterResultClearSeconds: e.COUNTER_RESULT_CLEAR_SECONDS ?? 120,
  };
}
