import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

// A port for a server whose URL must be known before it listens (an issuer, a redirect URI).
//
// Asking the kernel for port 0 and closing it again races: the kernel hands the same ephemeral
// port to the next bind(0) or outgoing connection, and the server that listens a moment later
// meets EADDRINUSE (CI saw it once in 950 tests). So ports come from below the kernel's ephemeral
// range, which neither bind(0) nor outgoing connections use: each test process walks its own
// slice (chosen by its pid, so test runs side by side on one machine rarely share one), from a
// random place, and never hands out the same port twice.

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

const slices = Math.max(1, Math.floor((ephemeralLow() - FLOOR) / SLICE));
const base = FLOOR + (process.pid % slices) * SLICE;
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

const clashed = (err: unknown): boolean => /EADDRINUSE/.test(String((err as { code?: unknown })?.code ?? '') + String((err as Error)?.message ?? err));

/**
 * Starts something on a port from freePort(), starting again on another port if a server
 * elsewhere took that one in the moment between the probe and the listen. `start` must clean up
 * after itself when it throws.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, tries = 5): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start(await freePort());
    } catch (err) {
      if (attempt >= tries || !clashed(err)) throw err;
    }
  }
}
