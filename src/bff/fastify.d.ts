// What the BFF's plugins add to Fastify, so routes in every file see the same typed names.
// identity/ + store/ provide the session; upstream/ provides the two upstream clients.
import 'fastify';
import type { Role } from '../contract/bff.ts';
import type { SessionIdentity } from './store/sessions.ts';
import type { UpstreamClient } from './upstream/client.ts';
import type { UpstreamCapabilities } from './upstream/capabilities.ts';
import type { BffDb } from './store/db.ts';
import type { BffStores } from './store/plugin.ts';
import type { HolderServices } from './services/holder-services.ts';
import type { RedisConnection } from './store/redis.ts';

/** The signed-in person (sub, name, identityType, identityNum — server-side only, never logged,
 * masked in every response — role, org) and what the session keeps for them. */
export interface HolderSession extends SessionIdentity {
  id: string;
  /** The provider's access token: the `credential` sent upstream (DB11/T 2290 6.6). Never sent to the page. */
  credential: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  /** Epoch ms; the session plugin refreshes the credential before this. */
  credentialExpiresAt: number;
  /** Epoch ms: lastSeenAt + idle timeout, never past absoluteExpiresAt. */
  idleExpiresAt: number;
  /** Epoch ms: createdAt + absolute timeout. */
  absoluteExpiresAt: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The holder app's own access system (holder-h5 in the sandbox). */
    upstream: UpstreamClient;
    /** The counter's access system (counter-demo in the sandbox), used by counter routes. */
    counterUpstream: UpstreamClient;
    /** Which spec extensions the upstream has (probed, or UPSTREAM_EXTENSIONS). */
    upstreamCapabilities: UpstreamCapabilities;
    /** The BFF's own SQLite database (BFF_DB); add tables with store/db.ts migrate(). */
    bffDb: BffDb;
    /** Authorisation records, live codes and the counter audit: SQLite, or PostgreSQL with DATABASE_URL (store/plugin.ts). */
    stores: BffStores;
    /** The holder's services (services/holder-services.ts). */
    holderServices: HolderServices;
    /** The shared store of a deployment of many instances (REDIS_URL); null in the embedded default. */
    redis: RedisConnection | null;
    /** preHandler: 401 unless signed in (and, when given, in one of the roles: 403 otherwise). */
    requireSession: (...roles: Role[]) => (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    /** Set by the session plugin when a valid session cookie came with the request. */
    session: HolderSession | null;
  }
}
