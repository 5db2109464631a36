// Two BFF instances behind one proxy, sharing Redis (issue 13): a holder signs in through A,
// authorises on B, watches the QR page's stream on A while the counter redeems through B, and
// hears "used" within a second. Then the instance reading the upstream feed (the lease holder) is
// killed with SIGKILL, and the next redemption still reaches the holder through the survivor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Authorisation, AuthorisationStatusEvent, LicenseListResponse } from '../../src/contract/bff.ts';
import type { CounterRedemption } from '../../src/contract/counter.ts';
import { LICENSE_ITEM, SERVICE_ITEM } from '../../src/sandbox/catalogue-data.ts';
import { FEED_LEASE_KEY } from '../../src/bff/store/redis-lease.ts';
import { BffClient } from '../support/bff-client.ts';
import { readStatusEvents, type TimedStatus } from '../support/sse.ts';
import { createDatabase, startPostgres, type PgServer } from '../support/postgres.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { startCluster, type Cluster } from './cluster.ts';

/** A browser whose every request the proxy sends to the instance it names. */
class RoutedClient extends BffClient {
  instance = 'a';
  override raw(method: string, path: string, init: Parameters<BffClient['raw']>[2] = {}): Promise<Response> {
    return super.raw(method, path, { ...init, headers: { 'x-instance': this.instance, ...init?.headers } });
  }
}

/** The QR page's stream of status events, as they arrive. */
async function openStream(client: RoutedClient, id: string) {
  const res = await client.raw('GET', `/api/authorisations/${id}/events`, { headers: { accept: 'text/event-stream' } });
  expect(res.status).toBe(200);
  const events: TimedStatus[] = [];
  const reading = readStatusEvents(res.body!, events);
  void reading.done.catch(() => undefined);
  return {
    next: async (match: (e: AuthorisationStatusEvent) => boolean, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find((e) => match(e.data));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching status within ${timeoutMs} ms: ${JSON.stringify(events.map((e) => e.data.status))}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    cancel: reading.cancel,
  };
}

let redis: TestRedis;
let pg: PgServer;
let cluster: Cluster;
let probe: Redis;
const holder = new RoutedClient('');
const staff = new RoutedClient('');
let n = 0;

async function authorise(client: RoutedClient = holder): Promise<Authorisation> {
  const licenses = (await client.api<LicenseListResponse>('GET', '/api/licenses')).body.licenses;
  const licenseCode = licenses.find((c) => c.licenseItemCode === LICENSE_ITEM.householdRegister)!.licenseCode;
  const res = await client.api<Authorisation>('POST', '/api/authorisations', {
    body: { licenseCode, serviceItemCode: SERVICE_ITEM.householdAffairs, validitySeconds: 300, idempotencyKey: `scale-${++n}-${Date.now()}`, sensitiveConsent: true },
  });
  expect(res.status, res.text).toBe(200);
  return res.body;
}

async function redeem(auth: Authorisation, clerk: RoutedClient = staff): Promise<number> {
  const res = await clerk.api<CounterRedemption>('POST', '/api/counter/redeem', {
    body: { bizNum: `DC2026-SCALE-${n}`, serviceItemCode: SERVICE_ITEM.householdAffairs, authCode: auth.authCode },
  });
  expect(res.status, res.text).toBe(200);
  return Date.now();
}

/** Which instance reads the upstream feed: the lease's owner names its process. */
async function leaseHolder(): Promise<string | null> {
  const owner = await probe.get(FEED_LEASE_KEY);
  const pid = Number(owner?.split(':')[0]);
  return Object.values(cluster.instances).find((i) => i.child.pid === pid)?.name ?? null;
}

beforeAll(async () => {
  [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
  cluster = await startCluster(redis.url, await createDatabase(pg, 'cluster'));
  probe = new Redis(redis.url);
  Object.assign(holder, { origin: cluster.origin });
  Object.assign(staff, { origin: cluster.origin });
});
afterAll(async () => {
  probe?.disconnect();
  await cluster?.close();
  await Promise.all([redis?.close(), pg?.stop()]);
});

describe('two BFF instances behind one proxy', () => {
  it("carry one holder's sign-in, authorisation, stream and the counter's redemption across instances", async () => {
    try {
      holder.instance = 'a';
      await holder.login('zhangsan');
      holder.instance = 'b';
      const auth = await authorise();
      expect(auth.status).toBe('active');

      holder.instance = 'a';
      const stream = await openStream(holder, auth.id);
      await stream.next((e) => e.status === 'active', 5_000);

      staff.instance = 'b';
      await staff.login('staff01');
      const redeemed = await redeem(auth);
      const used = await stream.next((e) => e.status === 'used', 5_000);
      expect(used.at - redeemed).toBeLessThan(1_000);
      expect(used.data.redemptions).toHaveLength(1);
      await stream.cancel();
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${cluster.output()}`, { cause: err });
    }
  });

  it("counts one session's live-status streams across both instances, and frees a slot when a stream ends", async () => {
    const tabs = new RoutedClient(cluster.origin);
    tabs.instance = 'a';
    await tabs.login('zhangsan');
    const auth = await authorise(tabs);
    const open: (() => Promise<unknown>)[] = [];
    for (const instance of ['a', 'a', 'b', 'b']) {
      tabs.instance = instance;
      open.push((await openStream(tabs, auth.id)).cancel);
    }
    for (const instance of ['a', 'b']) {
      tabs.instance = instance;
      const refused = await tabs.raw('GET', `/api/authorisations/${auth.id}/events`, { headers: { accept: 'text/event-stream' } });
      expect(refused.status, `a fifth stream on ${instance}`).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('10');
      await refused.body?.cancel();
    }
    // A tab on A closes: its slot is free for a stream on B as soon as A has seen the close.
    await open.shift()!();
    tabs.instance = 'b';
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      const res = await tabs.raw('GET', `/api/authorisations/${auth.id}/events`, { headers: { accept: 'text/event-stream' } });
      status = res.status;
      if (status === 200) open.push(() => res.body!.cancel());
      else await res.body?.cancel().then(() => new Promise((r) => setTimeout(r, 100)));
    }
    expect(status).toBe(200);
    await Promise.all(open.map((cancel) => cancel()));
  });

  it('keeps delivering redemptions after the instance reading the feed is killed', async () => {
    let holderName: string | null = null;
    const deadline = Date.now() + 10_000;
    while (!(holderName = await leaseHolder()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(holderName).not.toBeNull();
    // Its own holder and clerk, signed in through the instance about to die: their sessions live in Redis.
    const citizen = new RoutedClient(cluster.origin);
    const clerk = new RoutedClient(cluster.origin);
    citizen.instance = holderName!;
    clerk.instance = holderName!;
    await citizen.login('zhangsan');
    await clerk.login('staff01');
    await cluster.kill(holderName!);
    const survivor = Object.keys(cluster.instances).find((name) => name !== holderName)!;

    citizen.instance = survivor;
    clerk.instance = survivor;
    const auth = await authorise(citizen);
    const stream = await openStream(citizen, auth.id);
    await stream.next((e) => e.status === 'active', 5_000);
    const redeemed = await redeem(auth, clerk);
    // The survivor takes the lease within its TTL (5 s) and resumes from the shared cursor.
    const used = await stream.next((e) => e.status === 'used', 15_000);
    expect(used.at - redeemed).toBeLessThan(10_000);
    // And the survivor now reads the feed: the dead one's lease lapsed within its TTL.
    const until = Date.now() + 10_000;
    let owner = await leaseHolder();
    while (owner !== survivor && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      owner = await leaseHolder();
    }
    expect(owner).toBe(survivor);
    await stream.cancel();
  });
});
