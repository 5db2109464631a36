// What the upstream says happened to the holder's codes: the events feed (spec 6.6 "Redemption
// feed") and the uses list, applied to the BFF's records. Each step is idempotent (a redemption is
// keyed, a transition conditional), so a batch replayed after a crash, or seen by two instances,
// changes each record once.
import type { AuthCodeEvent } from '../../contract/upstream.ts';
import type { AuthorisationStore } from '../store/authorisations.ts';
import type { UpstreamClient } from '../upstream/client.ts';
import { upstreamTimeToMs, viaUpstream } from './holder.ts';

export interface UsesRecorderDeps {
  store: AuthorisationStore;
  upstream: UpstreamClient;
  now: () => number;
  /** Tells the pages watching a record that it changed. */
  publish: (id: string) => Promise<unknown>;
}

export class UsesRecorder {
  constructor(private readonly d: UsesRecorderDeps) {}

  async apply(events: AuthCodeEvent[]): Promise<void> {
    const { store, now } = this.d;
    const changed = new Set<string>();
    for (const e of events) {
      const row = await store.byAuthCode(e.auth_code);
      if (!row) continue;
      if (e.type === 'redeemed') {
        const added = await store.addRedemption(row.id, {
          authCode: e.auth_code, interface: e.interface, system: e.system, systemName: e.system_name, orgName: e.org_name,
          operatorName: e.operator_name, timeText: e.time, at: upstreamTimeToMs(e.time),
        });
        if (await store.transition(row.id, ['active', 'expired'], 'used', now()) || added) changed.add(row.id);
      } else {
        // Our own revoke at the holder's chosen expiry comes back through the feed: that is an expiry.
        const to = now() >= row.expires_at ? 'expired' : 'revoked';
        await store.markUpstreamRevoked(row.id);
        if (await store.transition(row.id, ['active'], to, now())) changed.add(row.id);
      }
    }
    // A used code keeps its place in the expiry schedule: the holder's shorter validity is still enforced.
    for (const id of changed) await this.d.publish(id);
  }

  async sync(session: { sub: string; credential: string }): Promise<Awaited<ReturnType<UpstreamClient['uses']>>> {
    const uses = await viaUpstream(this.d.upstream.uses(session.credential));
    const own: typeof uses = [];
    for (const u of uses) if ((await this.d.store.byAuthCode(u.auth_code))?.sub === session.sub) own.push(u);
    if (own.length > 0) {
      await this.apply(own.map((u) => ({
        type: 'redeemed', cursor: '', auth_code: u.auth_code, license_code: u.license_code, interface: u.interface, system: u.system,
        system_name: u.system_name, org_name: u.org_name, org_code: u.org_code, operator_name: u.operator_name, time: u.time,
      })));
    }
    return uses;
  }
}
