import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.ts';

// A throw-away PostgreSQL cluster from Debian's `postgresql` (scripts/ensure-test-tools.mjs
// installs it): initdb in a temp dir, pg_ctl on a port from this worker's slice, loopback only,
// trust auth, no fsync. `postgres` refuses to run as root, so as root it runs as the postgres user.
// Start one per test file (beforeAll) and give each test its own database (createDatabase).
// halt() and start() take the server away and bring it back on the same port with the same data.

const run = promisify(execFile);

export interface PgServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** Stops the server (fast shutdown: sessions are cut) and waits until it is down; the data stays. */
  halt: () => Promise<void>;
  /** Starts it again on the same port and data directory; waits until it accepts connections. */
  start: () => Promise<void>;
  /** Stops it and removes its directory. */
  stop: () => Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions.map((v) => join(root, v, 'bin')).find((d) => existsSync(join(d, 'pg_ctl')));
  if (!dir) throw new Error('PostgreSQL is not installed: run `node scripts/ensure-test-tools.mjs` as root (apt-get install postgresql)');
  return dir;
}

async function idOf(user: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * `durable`: fsync, synchronous commit and full-page writes as a production server has them (the
 * benches' figures); the tests leave them off, they only need the behaviour.
 */
export async function startPostgres(opts: { durable?: boolean } = {}): Promise<PgServer> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'ecert-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = await idOf('postgres');
    chownSync(dir, uid, gid);
  }
  const cmd = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);
  const data = join(dir, 'data');
  await cmd('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
  const port = await freePort();
  const fast = opts.durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off';
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${fast} -c max_connections=60`;
  // -w waits until the server accepts connections; generous on two loaded cores.
  const start = async (): Promise<void> => {
    await cmd('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '120', 'start']);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    halt: async () => {
      await cmd('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
    },
    start,
    stop: async () => {
      await cmd('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '60', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

/** A fresh, empty database on the server; its URL. */
export async function createDatabase(server: PgServer, prefix = 'test'): Promise<string> {
  const name = `${prefix}_${process.pid}_${(counter += 1)}`;
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return `postgres://postgres@127.0.0.1:${server.port}/${name}`;
}
