import type { AuthorisationStatusEvent } from '../../src/contract/bff.ts';

export interface TimedStatus { at: number; data: AuthorisationStatusEvent }

/**
 * Reads the `event: status` blocks of a live-status stream into `events` as they arrive, calling
 * `onChunk` after each chunk. `done` settles when the stream ends (or fails); `cancel` ends it.
 */
export function readStatusEvents(body: ReadableStream<Uint8Array>, events: TimedStatus[], onChunk: () => void = () => undefined): { done: Promise<void>; cancel: () => Promise<void> } {
  const reader = body.getReader();
  return { done: read(reader, events, onChunk), cancel: () => reader.cancel().catch(() => undefined) };
}

async function read(reader: ReadableStreamDefaultReader<Uint8Array>, events: TimedStatus[], onChunk: () => void): Promise<void> {
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (/^event: status$/m.test(block) && data) events.push({ at: Date.now(), data: JSON.parse(data) as AuthorisationStatusEvent });
    }
    onChunk();
  }
}
