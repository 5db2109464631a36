// GET /api/history: every authorisation the holder made here and, where the upstream reports
// them (the uses extension), every redemption of the holder's codes, uses by function included.
// Without that extension the history is the BFF's own records, and says uses are not reported.
import type { HistoryEntry, HistoryResponse, Redemption } from '../../contract/bff.ts';
import type { AuthCodeUse } from '../../contract/upstream.ts';
import type { AuthorisationStore } from '../store/authorisations.ts';
import type { UpstreamCapabilities } from '../upstream/capabilities.ts';
import { UpstreamAbsentError } from '../upstream/errors.ts';
import type { AuthorisationService, Session } from './authorisations.ts';
import { upstreamTimeToIso } from './holder.ts';

export class HistoryService {
  constructor(
    private readonly store: AuthorisationStore,
    private readonly authorisations: AuthorisationService,
    private readonly capabilities: UpstreamCapabilities,
    /** This app's own access system: its uses are the holder's own mobile views. */
    private readonly holderAppKey: string,
  ) {}

  async history(session: Session, licenseCode?: string): Promise<HistoryResponse> {
    await this.capabilities.ready();
    let uses: AuthCodeUse[] | null = null;
    if (this.capabilities.has('uses')) {
      try {
        uses = await this.authorisations.syncUses(session);
      } catch (err) {
        if (!(err instanceof UpstreamAbsentError)) throw err;
        this.capabilities.markAbsent('uses');
      }
    }
    const rows = await Promise.all((await this.store.ofSub(session.sub)).map((r) => this.authorisations.refreshed(r)));
    // One entry per authorisation, its uses inside it (issue 15): a citizen asks "what happened to
    // what I allowed", not for a log line per call.
    const byCode = new Map<string, HistoryEntry>();
    const entries: HistoryEntry[] = rows.map((r) => {
      const entry: HistoryEntry = {
        kind: 'authorisation', at: new Date(r.created_at).toISOString(), licenseCode: r.license_code, licenseName: r.license_name,
        serviceItemName: r.service_item_name, orgName: r.org_name,
        authorisation: { id: r.id, status: this.authorisations.status(r), expiresAt: new Date(r.expires_at).toISOString() }, byFunction: false,
        uses: [],
      };
      if (r.auth_code) byCode.set(r.auth_code, entry);
      return entry;
    });
    for (const u of uses ?? []) {
      const own = u.system !== '' && u.system === this.holderAppKey;
      // The holder's own mobile view: theirs, with no technical account name.
      const redemption: Redemption = {
        interface: u.interface, systemName: own ? '' : u.system_name, orgName: own ? '' : u.org_name, operatorName: own ? null : u.operator_name,
        at: upstreamTimeToIso(u.time),
      };
      const parent = byCode.get(u.auth_code);
      if (parent && !own) {
        parent.uses?.push(redemption);
        continue;
      }
      entries.push({
        ...(own ? { ownView: true } : {}),
        kind: 'redemption', at: redemption.at, licenseCode: u.license_code, licenseName: u.license_name, serviceItemName: u.service_item_name,
        orgName: own ? null : u.org_name, redemption, byFunction: u.origin === 'by_function',
      });
    }
    const shown = licenseCode ? entries.filter((e) => e.licenseCode === licenseCode) : entries;
    // Upstream times are whole seconds (spec envelope format), ours are milliseconds: compare at
    // the upstream's precision, so a code used within a second of its authorisation still lists
    // the use first.
    const second = (iso: string) => Math.floor(Date.parse(iso) / 1000);
    shown.sort((a, b) => second(b.at) - second(a.at) || (a.kind === b.kind ? 0 : a.kind === 'redemption' ? -1 : 1));
    return { entries: shown, usesReported: uses !== null };
  }
}
