// /api/authorisations: authorise a use (consent), read it, revoke it, and follow its status live
// (Server-Sent Events). Thin handlers; the logic is in services/authorisations.ts.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  AuthorisationParamsSchema, AuthorisationSchema, CreateAuthorisationRequestSchema, type AuthorisationStatusEvent,
} from '../../contract/bff-authorisations.ts';
import { ApiError, notFound } from '../errors.ts';
import { isFinal } from '../services/authorisations.ts';
import type { HolderServices } from '../services/holder-services.ts';
import { Errors } from '../../contract/error-body.ts';
import { sharedStreamSlots } from '../store/redis-plugin.ts';
import { noStoreHook, sessionOf } from './route-kit.ts';

const HEARTBEAT_MS = 15_000;
const FALLBACK_POLL_MS = 3_000;
/** Live-status streams one session may hold open at once (a few tabs); more is refused, not queued. */
export const MAX_STREAMS_PER_SESSION = 4;
/** A closed tab frees its slot at once; this only paces a client that retries in a loop. */
const STREAM_RETRY_AFTER_SECONDS = 10;

export async function authorisationRoutes(parent: FastifyInstance, s: HolderServices): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const citizen = app.requireSession('citizen');
  /** Open streams per session id: one cookie cannot hold thousands of them (issue 10), on any number of instances (issue 13). */
  const streams = sharedStreamSlots(app);
  app.addHook('preClose', () => streams.close());

  app.post('/api/authorisations', { preHandler: citizen, onRequest: noStoreHook, schema: { body: CreateAuthorisationRequestSchema, response: { 200: AuthorisationSchema, ...Errors } } },
    async (req) => s.authorisations.create(sessionOf(req), req.body));

  app.get('/api/authorisations/:id', { preHandler: citizen, onRequest: noStoreHook, schema: { params: AuthorisationParamsSchema, response: { 200: AuthorisationSchema, ...Errors } } },
    async (req) => s.authorisations.get(sessionOf(req), req.params.id));

  app.post('/api/authorisations/:id/revoke', { preHandler: citizen, onRequest: noStoreHook, schema: { params: AuthorisationParamsSchema, response: { 200: AuthorisationSchema, ...Errors } } },
    async (req) => s.authorisations.revoke(sessionOf(req), req.params.id));

  // Server-Sent Events: `event: status` now and on every change, a comment every 15 s, closed
  // once the status is final. There is no compression in front of /api, and the headers below
  // tell proxies not to buffer, so each event leaves at once.
  app.get('/api/authorisations/:id/events', {
    preHandler: citizen,
    schema: { params: AuthorisationParamsSchema, response: { 200: Type.String({ description: 'text/event-stream of AuthorisationStatusEvent' }), ...Errors } },
  }, async (req, reply) => {
    const session = sessionOf(req);
    const first = await s.authorisations.statusFor(session, req.params.id);
    if (!first) throw notFound('授权');
    const acquired = await streams.acquire(session.id, MAX_STREAMS_PER_SESSION);
    if (!acquired) {
      void reply.header('retry-after', String(STREAM_RETRY_AFTER_SECONDS));
      throw new ApiError(429, 'RATE_LIMITED', '实时状态连接过多，请关闭其他页面后重试');
    }
    const slot = acquired;

    reply.hijack();
    const res = reply.raw;
    const headers: Record<string, string | number | string[]> = {};
    for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v as string | number | string[];
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      'x-accel-buffering': 'no',
      // The stream is its connection's last response: once it ends, the socket goes too, so a
      // closing server never waits on a kept-alive stream socket.
      connection: 'close',
    });
    res.flushHeaders();

    let closed = false;
    const send = (event: AuthorisationStatusEvent): void => {
      if (closed) return;
      res.write(`event: status\ndata: ${JSON.stringify(event)}\n\n`);
      if (isFinal(event.status)) end();
    };
    const heartbeat = setInterval(() => {
      if (!closed) res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    // While the upstream feed is down, ask the upstream's list of uses (where it has one); changes reach
    // this stream through the hub like any other.
    const fallback = setInterval(() => {
      if (!closed && !s.feed.healthy && app.upstreamCapabilities.has('uses')) s.authorisations.get(session, first.id).catch(() => undefined);
    }, FALLBACK_POLL_MS);
    // The expiry is pushed at its time even when nothing upstream happens.
    let expiryTimer: NodeJS.Timeout | undefined;
    const armExpiry = async (): Promise<void> => {
      const ms = await s.authorisations.msUntilExpiry(first.id);
      if (ms === undefined || closed) return;
      expiryTimer = setTimeout(() => {
        void s.authorisations.statusFor(session, first.id).then((ev) => {
          if (ev) send(ev);
        }, () => undefined);
      }, ms + 50);
    };
    const unsubscribe = s.hub.subscribe(first.id, send);
    const untrack = s.hub.track(() => end());
    function end(): void {
      if (closed) return;
      closed = true;
      slot.release();
      clearInterval(heartbeat);
      clearInterval(fallback);
      clearTimeout(expiryTimer);
      unsubscribe();
      untrack();
      res.end();
    }
    // The response's close, not the request's: a GET's request stream ends as soon as it is read.
    res.once('close', end);

    res.write('retry: 3000\n\n');
    send(first);
    if (!closed) await armExpiry();
  });
}
