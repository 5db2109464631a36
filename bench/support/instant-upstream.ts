// An upstream that answers at once, so a bench sees the BFF's own cost apart from the upstream's.
// It records: the first call of each kind goes to the real sandbox, and every later call of that
// kind gets the recorded answer back from memory (usage codes freshly drawn, as a real upstream
// would mint them). The events long poll always goes through, so live status still works.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Request fields that differ per call or per holder and do not change what the upstream answers. */
const VOLATILE = /^(access_token|request_id|timestamp|nonce|signature|sign|credential|biz_num|auth_code)$/;

/** Revoking a code the stub drew itself: the real upstream never saw it, so answer as it would. */
const revoked = (): string => JSON.stringify({
  ack_code: 'SUCCESS', errors: [], sign: null, sign_method: null, timestamp: new Date().toISOString().slice(0, 19).replace('T', ' '),
  correlation_id: null, response_id: randomBytes(8).toString('hex'), total_count: 0, data: null,
});

export interface InstantUpstream {
  /** Base URL to give the BFF as UPSTREAM_URL. */
  url: string;
  /** Calls answered from memory / passed to the real upstream. */
  counts: () => { instant: number; passed: number };
  close: () => Promise<void>;
}

function keyOf(method: string, url: URL, body: string): string {
  const fields: string[] = [];
  for (const [k, v] of [...url.searchParams].sort()) if (!VOLATILE.test(k)) fields.push(`${k}=${v}`);
  if (body) {
    try {
      for (const [k, v] of Object.entries(JSON.parse(body) as Record<string, unknown>).sort()) if (!VOLATILE.test(k)) fields.push(`${k}=${JSON.stringify(v)}`);
    } catch {
      fields.push(body);
    }
  }
  return `${method} ${url.pathname} ${fields.join('&')}`;
}

/** Fresh usage codes in place of the recorded ones (license/holder mints new ones on every call). */
function freshCodes(text: string): string {
  let codes: string[];
  try {
    codes = (JSON.parse(text) as { auth_codes?: string[] }).auth_codes ?? [];
  } catch {
    return text;
  }
  for (const code of codes) text = text.replaceAll(code, randomBytes(16).toString('base64url'));
  return text;
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks).toString('utf8'))).on('error', reject);
  });

export async function startInstantUpstream(realRoot: string, port = 0): Promise<InstantUpstream> {
  const recorded = new Map<string, { status: number; type: string; text: string }>();
  const real = new URL(realRoot.replace(/\/?$/, '/'));
  let instant = 0;
  let passed = 0;
  const byPath: Record<string, number> = {};
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://stub');
      if (url.pathname === '/__counts') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ instant, passed, byPath }));
      const body = await readBody(req);
      const key = keyOf(req.method ?? 'GET', url, body);
      const live = url.pathname.endsWith('/auth_code/events');
      let answer = live ? undefined : url.pathname.endsWith('/auth_code/revoke') ? { status: 200, type: 'application/json', text: revoked() } : recorded.get(key);
      if (answer) instant++;
      else {
        passed++;
        byPath[url.pathname] = (byPath[url.pathname] ?? 0) + 1;
        const target = new URL(url.pathname.replace(/^\/stub\/?/, '') + url.search, real);
        const headers: Record<string, string> = {};
        for (const h of ['content-type', 'accept']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
        const upstream = await fetch(target, { method: req.method, headers, body: body || undefined });
        answer = { status: upstream.status, type: upstream.headers.get('content-type') ?? 'application/json', text: await upstream.text() };
        // Only successes are worth replaying; a refusal may be about this one call.
        if (!live && upstream.ok && /"ack_code"\s*:\s*"SUCCESS"/.test(answer.text) && !url.pathname.endsWith('/security/logout')) recorded.set(key, answer);
      }
      const text = url.pathname.endsWith('/license/holder') ? freshCodes(answer.text) : answer.text;
      res.writeHead(answer.status, { 'content-type': answer.type, 'content-length': Buffer.byteLength(text) }).end(text);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
    });
  });
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/stub`,
    counts: () => ({ instant, passed }),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

// Run alone (its own process, so it does not share the load generator's event loop):
//   node --import tsx bench/support/instant-upstream.ts REAL_ROOT PORT
if (import.meta.url === `file://${process.argv[1]}`) {
  const [root, port] = process.argv.slice(2);
  const stub = await startInstantUpstream(root!, Number(port ?? 0));
  process.stdout.write(`${stub.url}\n`);
}
