// The composition root: reads config, builds the BFF, mounts the embedded sandbox when no
// real upstream / identity provider is configured, listens, and shuts down gracefully.
import { createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildApp } from './bff/app.ts';
import { ConfigError, loadConfig, type Config } from './bff/config.ts';

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host === '0.0.0.0' ? '127.0.0.1' : host, () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function configure(): Promise<Config> {
  const env = { ...process.env };
  // PORT=0 asks for any free port; the sandbox's issuer URL must name it, so choose it first.
  if (env.PORT === '0') env.PORT = String(await freePort(env.HOST ?? '0.0.0.0'));
  return loadConfig(env);
}

function ensureDir(file: string): void {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
}

export async function main(): Promise<void> {
  let config: Config;
  try {
    config = await configure();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ecert-holder: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  // `npm start` checks the settings before spending time on a web build.
  if (process.argv.includes('--check-config')) return;
  ensureDir(config.bffDb);
  const app = await buildApp(config);
  if (config.sandbox.enabled) {
    ensureDir(config.sandbox.db);
    // Loaded only when used: a production deployment never loads the sandbox's code.
    const { sandboxPlugin } = await import('./sandbox/index.ts');
    await app.register(sandboxPlugin, {
      dbFile: config.sandbox.db,
      origin: config.publicOrigin,
      holderCodeTtlSeconds: config.upstream.holderCodeTtlSeconds,
      idpProtocol: config.sandbox.idpProtocol,
      extensions: config.sandbox.extensions,
      idpClients: [
        {
          client_id: config.idp.clientId,
          client_secret: config.idp.clientSecret,
          // What the provider's login page names as the place the citizen returns to.
          client_name: '北京市电子证照',
          redirect_uris: [`${config.publicOrigin}/auth/callback`],
          post_logout_redirect_uris: [`${config.publicOrigin}/`, `${config.publicOrigin}/login`],
        },
      ],
    });
  }

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    // Hard stop if something hangs; close() waits for in-flight requests and onClose hooks (SQLite).
    setTimeout(() => process.exit(1), 10_000).unref();
    app.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    process.stderr.write(`ecert-holder: cannot listen on ${config.host}:${config.port} (${code ?? 'error'})\n`);
    process.exit(1);
  }
  process.stdout.write(`\n  ecert-holder is running: ${config.publicOrigin}/\n`);
  if (config.sandbox.enabled) {
    process.stdout.write(`  Embedded sandbox (identity platform: ${config.sandbox.idpProtocol}): demo sign-in zhangsan / demo123456 (counter staff: staff01 / demo123456)\n\n`);
  }
}

await main();
