// Servers for the benches, each in its own process (as in production, and so the load generator
// does not share an event loop with what it measures), with their pid for memory readings.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../tests/support/e2e.ts';

export interface Server {
  origin: string;
  pid: number;
  /** Resident memory of the process now, in bytes (Linux /proc). */
  rss: () => number;
  /** CPU time the process has used so far (user + system), in seconds (Linux /proc). */
  cpu: () => number;
  output: () => string;
  stop: () => Promise<void>;
}

async function waitFor(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited early:\n${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${url} did not answer:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface SpawnOptions {
  cleanup?: () => void;
  /** Write the server's stdout (its log) to this file instead of keeping a tail in memory. */
  logFile?: string;
}

export async function spawnServer(args: string[], env: Record<string, string>, readyUrl: string, origin: string, options: SpawnOptions = {}): Promise<Server> {
  // On a machine busy with other work the sandbox's seeding can outlast Fastify's 10 s plugin
  // timeout; a bench then tries again rather than failing after minutes of setup.
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnOnce(args, env, readyUrl, origin, options);
    } catch (err) {
      if (attempt >= 3 || !/AVV_ERR_PLUGIN_EXEC_TIMEOUT/.test((err as Error).message)) throw err;
      console.log(`  (${readyUrl}: start-up timed out on a busy machine; trying again)`);
    }
  }
}

async function spawnOnce(args: string[], env: Record<string, string>, readyUrl: string, origin: string, { cleanup, logFile }: SpawnOptions): Promise<Server> {
  let output = '';
  // BENCH_CPU_PROF=DIR: each server writes a V8 CPU profile there when it stops (bench/profile-top.ts reads it).
  if (process.env.BENCH_CPU_PROF) args = ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`, ...args];
  // BENCH_APP_DIR: run the servers from another checkout (e.g. the main branch, for before/after).
  // A log file is written by the server directly: a long run's log costs the bench nothing.
  const logFd = logFile ? openSync(logFile, 'w') : undefined;
  const child = spawn(process.execPath, args, { cwd: process.env.BENCH_APP_DIR ?? process.cwd(), env: { ...process.env, ...env }, stdio: ['ignore', logFd ?? 'pipe', 'pipe'] });
  if (logFd !== undefined) closeSync(logFd);
  // Keep the tail only: a long run must not grow the bench's memory.
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const outputNow = () => (logFile ? `${readFileSync(logFile, 'utf8').slice(-20_000)}${output}` : output);
  await waitFor(readyUrl, child, outputNow);
  return {
    origin,
    pid: child.pid!,
    rss: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
    cpu: () => cpuSeconds(child.pid!),
    output: outputNow,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      cleanup?.();
    },
  };
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** utime + stime from /proc/PID/stat: on a shared machine, CPU per request moves far less than throughput. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** The floor: a bare Fastify route (bench/bare-server.ts) in its own process. */
export async function startBare(): Promise<Server> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  return spawnServer(['--import', 'tsx', fileURLToPath(new URL('../bare-server.ts', import.meta.url))], { PORT: String(port) }, `${origin}/ping`, origin);
}

/** `npm start` as shipped: the BFF with the embedded sandbox, fresh SQLite files. */
export async function startEmbedded(env: Record<string, string> = {}, logFile?: string): Promise<Server> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'ecert-bench-'));
  return spawnServer(['--import', 'tsx', 'src/server.ts'], {
    PORT: String(port), HOST: '127.0.0.1', PUBLIC_ORIGIN: origin, TRUST_PROXY: '1',
    BFF_DB: join(dir, 'bff.sqlite'), SANDBOX_DB: join(dir, 'sandbox.sqlite'), LOG_FORMAT: 'json', ...env,
  }, `${origin}/healthz`, origin, { cleanup: () => rmSync(dir, { recursive: true, force: true }), logFile });
}

/** The sandbox alone (`npm run sandbox`), its provider accepting a BFF at `bffOrigin`. */
export async function startStandaloneSandbox(bffOrigin: string): Promise<Server> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'ecert-bench-sandbox-'));
  return spawnServer(['--import', 'tsx', 'src/sandbox/main.ts'], {
    SANDBOX_PORT: String(port), SANDBOX_HOST: '127.0.0.1', SANDBOX_DB: join(dir, 'sandbox.sqlite'),
    SANDBOX_IDP_REDIRECT_URIS: `${bffOrigin}/auth/callback`,
    SANDBOX_IDP_POST_LOGOUT_URIS: `${bffOrigin}/login,${bffOrigin}/`,
  }, `${origin}/idp/.well-known/openid-configuration`, origin, { cleanup: () => rmSync(dir, { recursive: true, force: true }) });
}

/** The BFF alone, pointed at an upstream and a provider elsewhere (the production switch). */
export async function startBffAgainst(upstreamUrl: string, idpIssuer: string, port: number): Promise<Server> {
  const origin = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'ecert-bench-bff-'));
  return spawnServer(['--import', 'tsx', 'src/server.ts'], {
    PORT: String(port), HOST: '127.0.0.1', PUBLIC_ORIGIN: origin, TRUST_PROXY: '1', BFF_DB: join(dir, 'bff.sqlite'), LOG_FORMAT: 'json',
    UPSTREAM_URL: upstreamUrl, UPSTREAM_APP_KEY: 'holder-h5', UPSTREAM_APP_SECRET: 'holder-h5-secret',
    UPSTREAM_ACCOUNT: 'holder-h5', UPSTREAM_PASSWORD: 'holder-h5-pass',
    COUNTER_UPSTREAM_APP_KEY: 'counter-demo', COUNTER_UPSTREAM_APP_SECRET: 'counter-demo-secret',
    COUNTER_UPSTREAM_ACCOUNT: 'counter01', COUNTER_UPSTREAM_PASSWORD: 'counter01-pass',
    IDP_ISSUER: idpIssuer, IDP_CLIENT_ID: 'ecert-holder-bff', IDP_CLIENT_SECRET: 'ecert-holder-bff-dev-secret',
  }, `${origin}/healthz`, origin, { cleanup: () => rmSync(dir, { recursive: true, force: true }) });
}

/** bench/support/instant-upstream.ts in its own process, recording from `realRoot`. */
export async function startInstantUpstreamProcess(realRoot: string): Promise<Server> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  return spawnServer(['--import', 'tsx', fileURLToPath(new URL('./instant-upstream.ts', import.meta.url)), realRoot, String(port)], {}, `${origin}/__counts`, `${origin}/stub`);
}
