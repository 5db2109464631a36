// A real Debian redis-server per test file, on a port from this worker's slice (ports.ts), with
// nothing written to disk. stop() and start() again on the same port let a test take Redis away
// and bring it back.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { freePort } from './ports.ts';

export interface TestRedis {
  url: string;
  port: number;
  /** Starts it (again, on the same port). */
  start: () => Promise<void>;
  /** Kills it and waits until the port no longer answers. */
  stop: () => Promise<void>;
  /** Stops it and removes its directory. */
  close: () => Promise<void>;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.write('PING\r\n');
    });
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`redis-server: ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ecert-redis-'));
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    child = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes',
    ], { stdio: 'ignore' });
    const started = child;
    const exited = new Promise<boolean>((resolve) => started.once('exit', () => resolve(true)));
    await until(async () => {
      if (await Promise.race([exited, new Promise<boolean>((r) => setTimeout(() => r(false), 0))])) {
        throw new Error('redis-server exited at start (is the Debian package installed? apt-get install -y redis-server)');
      }
      return answers(port);
    }, 'did not answer');
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGKILL');
    await exited;
    await until(async () => !(await answers(port)), 'still answering after kill');
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
