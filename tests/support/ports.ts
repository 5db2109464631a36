import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

// A port for a server whose URL must be known before it listens (an issuer, a redirect URI).
//
// Asking the kernel for port 0 and closing it again races: the kernel hands the same ephemeral
// port to the next bind(0) or outgoing connection in any worker, and the server that listens a
// moment later meets EADDRINUSE (CI saw it once in 950 tests). So each vitest worker takes ports
// from its own slice below the kernel's ephemeral range, which neither bind(0) nor outgoing
// connections ever use, and never hands out the same one twice in a run.

const SLICE = 400;
const FLOOR = 10_000;

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const n = Number(low);
    return Number.isInteger(n) && n > FLOOR ? n : 32_768;
  } catch {
    return 32_768;
  }
}

const worker = Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? 0) || 0;
const slices = Math.max(1, Math.floor((ephemeralLow() - FLOOR) / SLICE));
const base = FLOOR + (worker % slices) * SLICE;
// A random start, so two test runs on one machine (a developer's and CI's) rarely probe alike.
let next = randomInt(SLICE);

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A loopback port nobody is listening on, from this worker's own slice. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < SLICE; tries += 1) {
    const port = base + (next % SLICE);
    next += 1;
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${base}..${base + SLICE - 1}`);
}
