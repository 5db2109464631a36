// GET /api/session: who is signed in, for the page's header, guards and the idle warning.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { SessionInfoSchema, type SessionInfo } from '../../contract/bff-session.ts';
import { maskIdentityNumber, maskName } from '../identity/masking.ts';
import type { StoredSession } from '../store/sessions.ts';
import { ErrorBody } from '../../contract/error-body.ts';

export function sessionInfo(s: StoredSession): SessionInfo {
  return {
    user: {
      maskedName: maskName(s.name),
      name: s.name,
      maskedIdentityNum: maskIdentityNumber(s.identityNum),
      role: s.role,
      ...(s.orgName ? { orgName: s.orgName } : {}),
    },
    csrfToken: s.csrfToken,
    idleExpiresAt: new Date(s.idleExpiresAt).toISOString(),
    absoluteExpiresAt: new Date(s.absoluteExpiresAt).toISOString(),
  };
}

// requireSession guarantees the session; the plugin sets a StoredSession.
const current = (req: FastifyRequest): StoredSession => req.session as StoredSession;

export async function sessionRoutes(parent: FastifyInstance): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const schema = { response: { 200: SessionInfoSchema, 401: ErrorBody } };

  app.get('/api/session', { schema, preHandler: app.requireSession() }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return sessionInfo(current(req));
  });

  // "Still there?" — the idle timeout already slid when the session plugin saw this request.
  app.post('/api/session/extend', { schema: { ...schema, response: { ...schema.response, 403: ErrorBody } }, preHandler: app.requireSession() }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return sessionInfo(current(req));
  });
}
