import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Fastify from 'fastify';
import { sandboxPlugin } from './index.ts';
import { parseExtensionList } from '../contract/extensions.ts';

// `npm run sandbox`: the sharing service and identity provider on their own port, at the
// spec's base path (`/license-app/v1`) and `/idp`.

const port = Number(process.env.SANDBOX_PORT ?? 8090);
const host = process.env.SANDBOX_HOST ?? '127.0.0.1';
const dbFile = process.env.SANDBOX_DB ?? 'data/sandbox.sqlite';
const origin = (process.env.SANDBOX_ORIGIN ?? `http://${host}:${port}`).replace(/\/+$/, '');
const signing = process.env.SANDBOX_REQUEST_SIGNING ?? 'off';
if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`SANDBOX_PORT is not a port: ${process.env.SANDBOX_PORT}`);
if (signing !== 'off' && signing !== 'sha256' && signing !== 'sm3') throw new Error('SANDBOX_REQUEST_SIGNING must be off, sha256 or sm3');
const idpProtocol = process.env.SANDBOX_IDP_PROTOCOL ?? 'oidc';
if (idpProtocol !== 'oidc' && idpProtocol !== 'oauth2' && idpProtocol !== 'cas') throw new Error('SANDBOX_IDP_PROTOCOL must be oidc, oauth2 or cas');
const extensions = parseExtensionList(process.env.SANDBOX_EXTENSIONS ?? 'all');
if (!extensions) throw new Error('SANDBOX_EXTENSIONS must be all, none or a list of revoke, uses, events, data_item_keys, license_by_token');
const holderTtl = process.env.SANDBOX_HOLDER_CODE_TTL ? Number(process.env.SANDBOX_HOLDER_CODE_TTL) : undefined;

if (dbFile !== ':memory:') mkdirSync(dirname(dbFile), { recursive: true });

const app = Fastify({
  // The first start seeds the demo data through the issuer API: more than 10 s on a busy machine.
  pluginTimeout: 60_000,
  logger: {
    level: process.env.LOG_LEVEL ?? 'info',
    // Query strings carry session tokens and usage codes: log the path only.
    serializers: { req: (req) => ({ method: req.method, url: req.url.split('?')[0] }) },
  },
});

await app.register(sandboxPlugin, {
  dbFile,
  origin,
  licensePrefix: '/license-app/v1',
  idpPrefix: '/idp',
  holderCodeTtlSeconds: holderTtl,
  requestSigning: signing,
  idpProtocol,
  extensions,
  idpClients: [{
    // The BFF's own defaults (IDP_CLIENT_ID / IDP_CLIENT_SECRET), so pointing `npm start` at this
    // process needs only UPSTREAM_URL, UPSTREAM_* and IDP_ISSUER.
    client_id: process.env.SANDBOX_IDP_CLIENT_ID ?? 'ecert-holder-bff',
    client_secret: process.env.SANDBOX_IDP_CLIENT_SECRET ?? 'ecert-holder-bff-dev-secret',
    client_name: '北京市电子证照',
    redirect_uris: (process.env.SANDBOX_IDP_REDIRECT_URIS ?? 'http://localhost:8080/auth/callback,http://127.0.0.1:8080/auth/callback').split(','),
    post_logout_redirect_uris: (process.env.SANDBOX_IDP_POST_LOGOUT_URIS ?? 'http://localhost:8080/login,http://127.0.0.1:8080/login,http://localhost:8080/,http://127.0.0.1:8080/').split(','),
  }],
});

const shutdown = () => {
  setTimeout(() => process.exit(1), 10_000).unref();
  app.close().then(() => process.exit(0), () => process.exit(1));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);

await app.listen({ port, host });
app.log.info(`license-app/v1 at ${origin}/license-app/v1, identity provider (${idpProtocol}) at ${origin}/idp, database ${dbFile}`);
