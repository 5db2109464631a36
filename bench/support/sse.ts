// Live-status streams as a phone holds them: one plain HTTP GET per stream, kept open, its
// `event: status` messages parsed as they arrive.
import { Agent, get, type ClientRequest } from 'node:http';
import type { AuthorisationStatusEvent } from '../../src/contract/bff.ts';
import type { Holder } from './load-runner.ts';

export interface Stream {
  authorisationId: string;
  /** HTTP status of the answer (0 until headers arrive). */
  status: number;
  /** Set when the stream ended before its authorisation reached a final state. */
  endedEarly: boolean;
  close: () => void;
}

// Every stream needs its own socket; Node's default agent would pool them.
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

/** Opens a stream; resolves once its first status arrives (or it fails). */
export function openStream(holder: Holder, authorisationId: string, onEvent: (event: AuthorisationStatusEvent, at: number) => void): Promise<Stream> {
  return new Promise((resolve) => {
    let buffer = '';
    let settled = false;
    let final = false;
    const stream: Stream = { authorisationId, status: 0, endedEarly: false, close: () => req.destroy() };
    const settle = () => {
      if (!settled) {
        settled = true;
        resolve(stream);
      }
    };
    const req: ClientRequest = get(`${holder.origin}/api/authorisations/${authorisationId}/events`, {
      agent, headers: { cookie: holder.cookie, accept: 'text/event-stream' },
    }, (res) => {
      stream.status = res.statusCode ?? 0;
      if (stream.status !== 200) {
        res.resume();
        return settle();
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = performance.now();
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = /^data: (.*)$/m.exec(message)?.[1];
          if (!/^event: status$/m.test(message) || !data) continue;
          const event = JSON.parse(data) as AuthorisationStatusEvent;
          if (event.status !== 'active') final = true;
          onEvent(event, at);
          settle();
        }
      });
      res.on('close', () => {
        if (!final) stream.endedEarly = true;
        settle();
      });
    });
    req.on('error', () => {
      stream.endedEarly = true;
      settle();
    });
  });
}

/** `holder` authorises a use (the 居民户口簿 for 户籍业务办理); resolves the authorisation's id and code. */
export async function authorise(holder: Holder, body: string): Promise<{ id: string; authCode: string } | { status: number }> {
  const res = await fetch(`${holder.origin}/api/authorisations`, {
    method: 'POST',
    headers: { cookie: holder.cookie, 'x-csrf-token': holder.csrf, 'content-type': 'application/json', origin: holder.origin, accept: 'application/json' },
    body,
  });
  if (!res.ok) return { status: res.status };
  const a = (await res.json()) as { id: string; authCode: string };
  return { id: a.id, authCode: a.authCode };
}
