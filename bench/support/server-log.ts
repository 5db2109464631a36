// What the server said about a bench run: its JSON log (pino, LOG_FORMAT=json), tallied so that a
// status in the load generator's table can be traced to its cause (a session ended by the
// provider, an upstream timeout, a shed) instead of guessed at.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface LogTally {
  lines: number;
  /** "request completed" lines by where they went (/api, /auth, the sandbox...) and status code. */
  statuses: Record<string, number>;
  /** Warnings and errors (level ≥ 40) by message, with the reason fields that tell them apart. */
  problems: Record<string, number>;
  /** Sessions ended because the provider refused the renewal for good. */
  sessionsEnded: number;
}

const LEVEL_WARN = 40;

/** The part of the server a path belongs to: the BFF's /api and /auth, the embedded sandbox, health. */
function area(url: string): string {
  const path = url.split('?', 1)[0] ?? '';
  const first = /^\/[^/]*/.exec(path)?.[0] ?? '/';
  if (first === '/sandbox') return /^\/sandbox\/idp/.test(path) ? 'provider' : 'upstream';
  return ['/api', '/auth', '/healthz', '/readyz'].includes(first) ? first : 'page';
}

/** Reads the log from `fromByte` on (the part written during one phase). */
export async function tallyLog(file: string, fromByte = 0): Promise<LogTally> {
  const tally: LogTally = { lines: 0, statuses: {}, problems: {}, sessionsEnded: 0 };
  // Request id → area, from "incoming request" until its "request completed".
  const open = new Map<string, string>();
  const lines = createInterface({ input: createReadStream(file, { start: fromByte, encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.startsWith('{')) continue;
    let entry: { level?: number; msg?: string; reqId?: string; req?: { url?: string }; res?: { statusCode?: number }; reason?: string; error?: string; step?: string; upstream?: string; path?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    tally.lines++;
    if (entry.msg === 'incoming request' && entry.reqId && entry.req?.url) {
      open.set(entry.reqId, area(entry.req.url));
    } else if (entry.msg === 'request completed' && entry.res?.statusCode !== undefined) {
      const s = `${(entry.reqId && open.get(entry.reqId)) ?? '?'} ${entry.res.statusCode}`;
      if (entry.reqId) open.delete(entry.reqId);
      tally.statuses[s] = (tally.statuses[s] ?? 0) + 1;
    } else if (entry.msg?.startsWith('session ended')) {
      tally.sessionsEnded++;
    }
    if ((entry.level ?? 0) >= LEVEL_WARN) {
      const detail = [entry.reason, entry.error, entry.step, entry.path].filter(Boolean).join(' ');
      const key = `${entry.msg ?? '?'}${detail ? ` [${detail}]` : ''}`;
      tally.problems[key] = (tally.problems[key] ?? 0) + 1;
    }
  }
  return tally;
}

export function printTally(title: string, t: LogTally): void {
  const statuses = Object.entries(t.statuses).sort(([a], [b]) => a.localeCompare(b)).map(([s, c]) => `${s}×${c}`).join(' ');
  console.log(`  ${title}: ${t.lines} log lines; responses ${statuses || 'none'}; sessions ended by the provider ${t.sessionsEnded}`);
  const problems = Object.entries(t.problems).sort(([, a], [, b]) => b - a);
  for (const [msg, c] of problems.slice(0, 12)) console.log(`    ${String(c).padStart(7)}  ${msg}`);
  if (problems.length > 12) console.log(`    … and ${problems.length - 12} other kinds`);
}
