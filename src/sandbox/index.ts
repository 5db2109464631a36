import type { FastifyInstance } from 'fastify';
import type { RequestSigningAlgorithm } from '../contract/upstream.ts';
import type { UpstreamExtension } from '../contract/extensions.ts';
import { licenseAppPlugin } from './app.ts';
import { createSigner } from './crypto.ts';
import { openSandboxDb } from './db.ts';
import { createCredentialVerifier, introspectionClient, idpPlugin, type IdpOptions, type IdpProtocol } from './idp.ts';
import { seedSandbox } from './seed.ts';

// The sandbox as one plugin: one SQLite file, the sharing service and the identity provider
// under their prefixes, seeded on first start, closed with the app.

export interface SandboxOptions {
  /** SQLite file, ':memory:' for tests. */
  dbFile: string;
  /** Absolute public origin the app is reachable at, e.g. http://127.0.0.1:8080. */
  origin: string;
  licensePrefix?: string;
  idpPrefix?: string;
  idpClients: IdpOptions['clients'];
  /** Which kind of identity platform the provider plays (SANDBOX_IDP_PROTOCOL); default oidc. */
  idpProtocol?: IdpProtocol;
  holderCodeTtlSeconds?: number;
  sessionTtlSeconds?: number;
  accessTokenTtlSeconds?: number;
  requestSigning?: 'off' | RequestSigningAlgorithm;
  seed?: boolean;
  clock?: () => number;
  /** SANDBOX_EXTENSIONS: the spec extensions offered (all by default; [] plays the standard service). */
  extensions?: readonly UpstreamExtension[];
}

export const DEFAULT_LICENSE_PREFIX = '/sandbox/license-app/v1';
export const DEFAULT_IDP_PREFIX = '/sandbox/idp';

export async function sandboxPlugin(app: FastifyInstance, opts: SandboxOptions): Promise<void> {
  const db = openSandboxDb(opts.dbFile);
  app.addHook('onClose', async () => { db.close(); });
  const origin = opts.origin.replace(/\/+$/, '');
  const licensePrefix = opts.licensePrefix ?? DEFAULT_LICENSE_PREFIX;
  const idpPrefix = opts.idpPrefix ?? DEFAULT_IDP_PREFIX;
  const issuer = `${origin}${idpPrefix}`;
  const signer = await createSigner(db);

  await app.register(idpPlugin, { prefix: idpPrefix, db, issuer, clients: opts.idpClients, protocol: opts.idpProtocol ?? 'oidc' });
  if (opts.seed ?? true) await seedSandbox({ db, signer, clock: opts.clock });
  await app.register(licenseAppPlugin, {
    prefix: licensePrefix,
    db,
    signer,
    verifyCredential: createCredentialVerifier({ issuer, ...introspectionClient(db) }),
    // Loaded on first archive: the PDF renderer and its font are the heaviest part of the sandbox.
    renderPdf: async (input) => (await import('./pdf.ts')).renderLicensePdf(input),
    holderCodeTtlSeconds: opts.holderCodeTtlSeconds,
    sessionTtlSeconds: opts.sessionTtlSeconds,
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds,
    requestSigning: opts.requestSigning,
    clock: opts.clock,
    extensions: opts.extensions,
  });
}
