// A small deployment for the multi-instance test: a standalone sandbox (as `npm run sandbox`),
// BFF processes (as `src/server.ts` runs in production) sharing one Redis and one PostgreSQL,
// and a reverse proxy in front that sends each request to the instance the test names in the
// `x-instance` header (SSE and cookies pass through untouched).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/ports.ts';

const node = (script: string, env: Record<string, string>, label: string): ChildProcess & { output: string[] } => {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }) as ChildProcess & { output: string[] };
  child.output = [];
  const keep = (d: Buffer) => child.output.push(...d.toString().split('\n').filter(Boolean).map((l) => `[${label}] ${l}`));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
};

async function until(condition: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Instance {
  name: string;
  port: number;
  child: ChildProcess & { output: string[] };
}

export interface Cluster {
  /** The proxy: the one origin browsers and the identity provider know. */
  origin: string;
  instances: Record<string, Instance>;
  /** Kills an instance as a crash would (SIGKILL) and waits for its exit. */
  kill: (name: string) => Promise<void>;
  /** Every process's output, for a failing test's message. */
  output: () => string;
  close: () => Promise<void>;
}

export async function startCluster(redisUrl: string, databaseUrl: string, names: string[] = ['a', 'b']): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'ecert-cluster-'));
  const [sandboxPort, proxyPort] = [await freePort(), await freePort()];
  const sandboxOrigin = `http://127.0.0.1:${sandboxPort}`;
  const origin = `http://127.0.0.1:${proxyPort}`;
  const sandbox = node('src/sandbox/main.ts', {
    SANDBOX_PORT: String(sandboxPort), SANDBOX_HOST: '127.0.0.1', SANDBOX_DB: join(dir, 'sandbox.sqlite'), SANDBOX_EXTENSIONS: 'all',
    SANDBOX_IDP_REDIRECT_URIS: `${origin}/auth/callback`, SANDBOX_IDP_POST_LOGOUT_URIS: `${origin}/login,${origin}/`, LOG_LEVEL: 'warn',
  }, 'sandbox');
  const processes: ChildProcess[] = [sandbox];
  const instances: Record<string, Instance> = {};
  const output = () => [...sandbox.output, ...Object.values(instances).flatMap((i) => i.child.output)].join('\n');
  const proxy: Server = createServer((req, res) => {
    const target = instances[String(req.headers['x-instance'] ?? names[0])];
    if (!target) return void res.writeHead(502).end();
    const up = request({ host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  try {
    await until(async () => (await fetch(`${sandboxOrigin}/idp/.well-known/openid-configuration`)).ok, 'the sandbox did not start', 90_000);
    // Production settings, as each instance of a real deployment would have them.
    const shared = {
      HOST: '127.0.0.1', PUBLIC_ORIGIN: origin, LOG_LEVEL: 'warn', REDIS_URL: redisUrl, DATABASE_URL: databaseUrl,
      BFF_DB: join(dir, 'bff.sqlite'), BFF_DATA_KEY: randomBytes(32).toString('base64'),
      UPSTREAM_URL: `${sandboxOrigin}/license-app/v1`,
      UPSTREAM_APP_KEY: 'holder-h5', UPSTREAM_APP_SECRET: 'holder-h5-secret', UPSTREAM_ACCOUNT: 'holder-h5', UPSTREAM_PASSWORD: 'holder-h5-pass',
      COUNTER_UPSTREAM_APP_KEY: 'counter-demo', COUNTER_UPSTREAM_APP_SECRET: 'counter-demo-secret',
      COUNTER_UPSTREAM_ACCOUNT: 'counter01', COUNTER_UPSTREAM_PASSWORD: 'counter01-pass',
      IDP_ISSUER: `${sandboxOrigin}/idp`, IDP_CLIENT_ID: 'ecert-holder-bff', IDP_CLIENT_SECRET: 'ecert-holder-bff-dev-secret',
    };
    for (const name of names) {
      const port = await freePort();
      const child = node('src/server.ts', { ...shared, PORT: String(port) }, name);
      processes.push(child);
      instances[name] = { name, port, child };
    }
    await Promise.all(Object.values(instances).map((i) =>
      until(async () => (await fetch(`http://127.0.0.1:${i.port}/readyz`)).status === 200, `instance ${i.name} was not ready`, 90_000)));
    await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
  } catch (err) {
    for (const p of processes) p.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${output()}`, { cause: err });
  }

  const exit = (child: ChildProcess, signal: NodeJS.Signals) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
  return {
    origin,
    instances,
    kill: async (name) => exit(instances[name]!.child, 'SIGKILL'),
    output,
    close: async () => {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await Promise.all(processes.map((p) => Promise.race([exit(p, 'SIGTERM'), new Promise<void>((r) => setTimeout(r, 12_000))]).then(() => exit(p, 'SIGKILL'))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
