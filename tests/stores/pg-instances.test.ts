import { afterAll, beforeAll, expect, it } from 'vitest';
import Fastify from 'fastify';
import { migratePg } from '../../src/bff/store/migrations.ts';
import { PG_MIGRATIONS } from '../../src/bff/store/pg-stores.ts';
import { PgAuthorisationStore } from '../../src/bff/store/pg-authorisations.ts';
import type { AuthorisationRow } from '../../src/bff/store/authorisations.ts';
import { CodeRevoker } from '../../src/bff/services/authorisations-revoke.ts';
import { ExpiryRunner, type Clock } from '../../src/bff/services/authorisations-expiry.ts';
import type { UpstreamClient } from '../../src/bff/upstream/client.ts';
import type { UpstreamCapabilities } from '../../src/bff/upstream/capabilities.ts';
import { claimOf, deploymentCipher, freshPgDatabase, pool, startEngines, stopEngines } from './engines.ts';

// Two BFF instances on one PostgreSQL database (issue 13): each has its own pool, as two
// processes would. What must hold: an idempotency key is claimed once, each due code is revoked
// once by the two expiry runners together, and migrations started at once apply once.

beforeAll(startEngines);
afterAll(stopEngines);

const silent = Fastify({ logger: false }).log;

it('two instances claiming the same idempotency key at once: exactly one wins', async () => {
  const url = await freshPgDatabase();
  const [a, b] = [pool(url), pool(url)];
  await migratePg(a, PG_MIGRATIONS);
  const stores = [new PgAuthorisationStore(a, deploymentCipher), new PgAuthorisationStore(b, deploymentCipher)];
  for (let round = 0; round < 10; round += 1) {
    const wins = await Promise.all(stores.flatMap((s, i) => [0, 1, 2].map((j) =>
      s.claim(claimOf({ id: `r${round}-${i}-${j}`, idempotency_key: `key-${round}` })))));
    expect(wins.filter(Boolean)).toHaveLength(1);
  }
});

it('two expiry runners on one database revoke each due code once, and the second takes over what the first left', async () => {
  const url = await freshPgDatabase();
  const [a, b] = [pool(url), pool(url)];
  await migratePg(a, PG_MIGRATIONS);
  const setup = new PgAuthorisationStore(a, deploymentCipher);
  const codes = Array.from({ length: 40 }, (_, i) => `CODE-${i}`);
  for (const [i, code] of codes.entries()) {
    await setup.claim(claimOf({ id: `auth-${i}`, idempotency_key: `k-${i}` }));
    await setup.activate(`auth-${i}`, { authCode: code, createdAt: 1_000, expiresAt: 31_000, codeExpiresAt: 301_000, revokeCredential: 'credential-1' });
  }
  // The upstream's edge: revoking counts calls per code, each taking a moment as over a network.
  const revoked = new Map<string, number>();
  const upstream = {
    revokeAuthCode: async (code: string) => {
      await new Promise((r) => setImmediate(r));
      revoked.set(code, (revoked.get(code) ?? 0) + 1);
    },
  } as unknown as UpstreamClient;
  const capabilities = { has: () => true, markAbsent: () => undefined, ready: async () => undefined } as unknown as UpstreamCapabilities;
  let now = 40_000;
  const clock: Clock = { now: () => now, setTimeout: () => null, clearTimeout: () => undefined };
  const runner = (p: ReturnType<typeof pool>) => {
    const store = new PgAuthorisationStore(p, deploymentCipher);
    const revoker = new CodeRevoker({ store, upstream, capabilities, log: silent, now: clock.now });
    return new ExpiryRunner({
      store, revoker, clock, log: silent, ready: async () => undefined, leftoversBefore: () => 0,
      // The service's transition once the revoke went through.
      settle: async (row: AuthorisationRow) => {
        const current = (await store.byId(row.id)) ?? row;
        if (current.upstream_revoked) await store.transition(row.id, ['active'], 'expired', now);
        return (await store.byId(row.id)) ?? current;
      },
    });
  };
  // One instance dies holding leases on a few records: they are revoked by nobody until the leases run out.
  const dead = new PgAuthorisationStore(b, deploymentCipher);
  const held = await dead.claimDue(now, 30_000, 3);
  await Promise.all([runner(a).runOnce(), runner(b).runOnce(), runner(a).runOnce(), runner(b).runOnce()]);
  expect(revoked.size).toBe(codes.length - held.length);
  expect([...revoked.values()].every((n) => n === 1)).toBe(true);

  now += 30_001;
  await Promise.all([runner(a).runOnce(), runner(b).runOnce()]);
  expect(revoked.size).toBe(codes.length);
  expect([...revoked.values()].every((n) => n === 1)).toBe(true);
  const states = await a.query<{ state: string; n: number }>('SELECT state, COUNT(*) AS n FROM holder_authorisations GROUP BY state');
  expect(states.rows).toEqual([{ state: 'expired', n: codes.length }]);
});

it('migrations started by several instances at once run once, under the lock', async () => {
  const url = await freshPgDatabase();
  const pools = [pool(url), pool(url), pool(url)];
  const applied = await Promise.all(pools.map((p) => migratePg(p, PG_MIGRATIONS)));
  expect(applied.flat().sort()).toEqual(PG_MIGRATIONS.map((m) => m.id).sort());
  expect(applied.filter((ids) => ids.length > 0)).toHaveLength(1);
  const recorded = await pools[0]!.query<{ n: number }>('SELECT COUNT(*) AS n FROM bff_migrations');
  expect(recorded.rows[0]?.n).toBe(PG_MIGRATIONS.length);
  // A later start finds everything recorded.
  expect(await migratePg(pools[1]!, PG_MIGRATIONS)).toEqual([]);
});
