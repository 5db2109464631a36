// The upstream client's way out (src/bff/upstream/dispatcher.ts) against a real HTTP server: the
// same outcomes the client reads from the global fetch, and one kept-alive socket for many calls.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpstreamFetch } from '../../src/bff/upstream/dispatcher.ts';

describe('upstream fetch over a keep-alive pool', () => {
  let server: Server;
  let root: string;
  let sockets = 0;
  const edge = createUpstreamFetch();
  const seen: Array<{ method?: string; url?: string; type?: string; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, type: req.headers['content-type'], body });
        if (req.url?.startsWith('/slow')) return void setTimeout(() => res.end('{}'), 5_000).unref();
        if (req.url?.startsWith('/moved')) return void res.writeHead(302, { location: '/elsewhere' }).end();
        if (req.url?.startsWith('/missing')) return void res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>no</h1>');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ack_code: 'SUCCESS', data: '证照' }));
      });
    });
    server.on('connection', () => sockets++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await edge.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the method, headers, query and body, and answers with status, headers and text', async () => {
    const res = await edge.fetch(new URL(`${root}/license/webpage?access_token=t`), {
      method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"credential":"c"}', redirect: 'error',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(await res.text())).toEqual({ ack_code: 'SUCCESS', data: '证照' });
    expect(seen.at(-1)).toEqual({ method: 'POST', url: '/license/webpage?access_token=t', type: 'application/json; charset=utf-8', body: '{"credential":"c"}' });
  });

  it('an error status is an answer, not a failure', async () => {
    const res = await edge.fetch(`${root}/missing`, { redirect: 'error' });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('<h1>no</h1>');
  });

  it('reuses one socket for calls one after another', async () => {
    await edge.fetch(`${root}/warm`);
    const before = sockets;
    for (let i = 0; i < 10; i++) await (await edge.fetch(`${root}/again?i=${i}`)).text();
    expect(sockets).toBe(before);
  });

  it('refuses a redirect as fetch does with redirect: error', async () => {
    await expect(edge.fetch(`${root}/moved`, { redirect: 'error' })).rejects.toThrow(TypeError);
  });

  it('a timeout rejects with the signal\'s TimeoutError', async () => {
    const failure = await edge.fetch(`${root}/slow`, { signal: AbortSignal.timeout(100) }).catch((e: unknown) => e as Error);
    expect((failure as Error).name).toBe('TimeoutError');
  });

  it('a refused connection is a TypeError, as fetch reports transport faults', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(edge.fetch(`http://127.0.0.1:${port}/x`)).rejects.toThrow(TypeError);
  });
});
