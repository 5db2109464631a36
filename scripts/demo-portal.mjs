// npm run demo:portal — a small government portal on a second origin that embeds the app with
// its host SDK, shows every event it receives, and redeems the `authorised` usage code from
// its own back end with its own access system (the organisation that owns the service item).
//
//   FRAME_ANCESTORS=http://127.0.0.1:8081 npm start     # the app, allowing this portal
//   npm run demo:portal                                  # http://127.0.0.1:8081/
//
// Settings (all optional): DEMO_PORTAL_PORT (8081), DEMO_PORTAL_HOST (127.0.0.1),
// DEMO_APP_ORIGIN (http://localhost:8080), DEMO_UPSTREAM_URL ({app}/sandbox/license-app/v1),
// DEMO_PORTAL_APP_KEY / _APP_SECRET / _ACCOUNT / _PASSWORD (the sandbox's counter-demo system of
// 北京市东城区政务服务中心, which owns the DC-* service items).
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('./demo-portal/', import.meta.url));
const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The portal's back end talking to the sharing service as its own access system (6.2, 6.6). */
function upstreamClient(upstreamUrl, access) {
  let token = null;
  async function login() {
    const res = await fetch(`${upstreamUrl}/security/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_key: access.appKey, app_secret: access.appSecret, account: access.account, password: access.password }),
    });
    const env = await res.json();
    if (env.ack_code !== 'SUCCESS' || !env.access_token) throw new Error('the portal could not sign in to the sharing service');
    token = env.access_token;
  }
  return {
    async getLicense(authCode) {
      if (!token) await login();
      const call = () => fetch(`${upstreamUrl}/license/get_license?${new URLSearchParams({ auth_code: authCode, access_token: token })}`).then((r) => r.json());
      let env = await call();
      if (env.ack_code !== 'SUCCESS' && /ACCESS_TOKEN/.test(env.errors?.[0]?.code ?? '')) {
        await login();
        env = await call();
      }
      return env;
    },
  };
}

function page(appOrigin, serviceItemCode) {
  return readFileSync(`${here}index.html`, 'utf8')
    .replaceAll('{{APP_ORIGIN}}', escapeHtml(appOrigin))
    .replaceAll('{{SERVICE_ITEM}}', escapeHtml(serviceItemCode));
}

async function readJson(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 4096) throw new Error('too large');
  }
  return JSON.parse(body);
}

/**
 * Starts the portal. `tls` ({ key, cert }) serves it over HTTPS. Resolves with its origin and
 * a close function; the e2e test and `npm run demo:portal` both use this.
 */
export async function startPortal(opts = {}) {
  const appOrigin = opts.appOrigin ?? 'http://localhost:8080';
  const upstream = upstreamClient(opts.upstreamUrl ?? `${appOrigin}/sandbox/license-app/v1`, opts.access ?? {
    appKey: 'counter-demo', appSecret: 'counter-demo-secret', account: 'counter01', password: 'counter01-pass',
  });
  const serviceItemCode = opts.serviceItemCode ?? 'DC-JY-0001';
  const csp = `default-src 'self'; script-src 'self' ${appOrigin}; frame-src ${appOrigin}; style-src 'self'; connect-src 'self'; frame-ancestors 'none'`;

  const handler = async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://portal.invalid');
    const send = (status, type, body, extra = {}) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...extra });
      res.end(body);
    };
    try {
      if (req.method === 'GET' && url.pathname === '/') return send(200, 'text/html; charset=utf-8', page(appOrigin, serviceItemCode), { 'content-security-policy': csp });
      if (req.method === 'GET' && url.pathname === '/portal.js') return send(200, 'text/javascript; charset=utf-8', readFileSync(`${here}portal.js`));
      if (req.method === 'GET' && url.pathname === '/portal.css') return send(200, 'text/css; charset=utf-8', readFileSync(`${here}portal.css`));
      if (req.method === 'POST' && url.pathname === '/api/redeem') {
        const { authCode } = await readJson(req);
        if (typeof authCode !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(authCode)) return send(400, 'application/json', JSON.stringify({ error: '用证码格式不正确' }));
        const env = await upstream.getLicense(authCode);
        if (env.ack_code !== 'SUCCESS') return send(409, 'application/json', JSON.stringify({ error: env.errors?.[0]?.code ?? 'FAILURE' }));
        const record = env.data;
        let fieldCount = 0;
        try {
          fieldCount = Object.keys(JSON.parse(record.data_fields ?? '{}')).length;
        } catch {
          // a record without readable fields still names the certificate
        }
        return send(200, 'application/json', JSON.stringify({ licenseName: record.name, licenseItemCode: record.license_item_code, issueOrgName: record.issue_org_name, fieldCount }));
      }
      return send(404, 'text/plain; charset=utf-8', 'not found');
    } catch {
      return send(500, 'application/json', JSON.stringify({ error: 'portal error' }));
    }
  };

  const server = opts.tls ? createHttpsServer(opts.tls, handler) : createHttpServer(handler);
  await new Promise((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port } = server.address();
  const origin = `${opts.tls ? 'https' : 'http'}://${opts.publicHost ?? opts.host ?? '127.0.0.1'}:${port}`;
  return { origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const appOrigin = process.env.DEMO_APP_ORIGIN ?? 'http://localhost:8080';
  const portal = await startPortal({
    port: Number(process.env.DEMO_PORTAL_PORT ?? 8081),
    host: process.env.DEMO_PORTAL_HOST ?? '127.0.0.1',
    appOrigin,
    upstreamUrl: process.env.DEMO_UPSTREAM_URL,
    access: process.env.DEMO_PORTAL_APP_KEY ? {
      appKey: process.env.DEMO_PORTAL_APP_KEY,
      appSecret: process.env.DEMO_PORTAL_APP_SECRET ?? '',
      account: process.env.DEMO_PORTAL_ACCOUNT ?? '',
      password: process.env.DEMO_PORTAL_PASSWORD ?? '',
    } : undefined,
  });
  process.stdout.write(`\n  Demo portal: ${portal.origin}/  (embedding ${appOrigin})\n`);
  process.stdout.write(`  Start the app with FRAME_ANCESTORS=${portal.origin} so it may be framed here.\n\n`);
}
