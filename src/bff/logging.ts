// Logs must never carry a token, a password or an identity number, whoever writes them:
// Fastify's request logs, the upstream client, the sandbox mounted in the same process.
import type { FastifyServerOptions } from 'fastify';
import type { LoggerOptions as PinoOptions } from 'pino';

const SECRET_PARAMS = /([?&](?:access_token|license_access_token|auth_code|code|state|nonce|ticket|credential|id_token_hint|token|password|app_secret|identity_number)=)[^&#]*/gi;
// A usage code (or a counter request) in a path, raw or percent-encoded as in `return_to=%2Fc%2F…`:
// the QR opens {PUBLIC_ORIGIN}/c/{auth_code}, so the code is in the URL a log would record.
const CODE_IN_PATH = /((?:\/|%2F)[cr](?:\/|%2F))[A-Za-z0-9_-]{16,128}/gi;
// 18-digit resident ID (last may be X) and 15-digit legacy IDs, not inside longer digit runs.
const ID_NUMBER = /(?<![0-9A-Za-z])(\d{4})\d{7,10}(\d{3}[\dXx])(?![0-9A-Za-z])/g;

export function scrubText(text: string): string {
  if (typeof text !== 'string') return text;
  return text
    .replace(SECRET_PARAMS, '$1***')
    .replace(CODE_IN_PATH, '$1***')
    .replace(ID_NUMBER, (m, head: string, tail: string) => `${head}${'*'.repeat(m.length - 8)}${tail}`);
}

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: scrubText(value.message) };
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  // Requests, replies and other class instances go through their serializers instead.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = /pass(word)?|secret|token|credential|cookie|authorization|auth_?code|verifier/i.test(k) ? '***' : scrubDeep(v, depth + 1);
  }
  return out;
}

export function loggerOptions(level: string, format: 'json' | 'pretty'): FastifyServerOptions['logger'] {
  const options: PinoOptions = {
    level,
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]', 'req.headers["x-signature"]', 'res.headers["set-cookie"]'],
      censor: '***',
    },
    serializers: {
      req: (req: { method: string; url?: string; id?: string }) => ({ method: req.method, url: scrubText(req.url ?? ''), id: req.id }),
      // Errors keep their type and a scrubbed message; stacks stay out of shipped logs.
      err: (err: Error & { code?: string; statusCode?: number }) => ({
        type: err.name,
        message: scrubText(err.message),
        code: err.code,
        statusCode: err.statusCode,
      }),
    },
    // One scrubbing pass per line, here, on what the caller handed over (object and message);
    // the req and err serializers above scrub the fields they build themselves.
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => scrubDeep(a)) as Parameters<typeof method>;
        method.apply(this, scrubbed);
      },
    },
    ...(format === 'pretty' ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  };
  return options;
}
