// "View on mobile" (DB11/T 2290 6.6 view page). Spec "Holder app rights": the holder app mints a
// code of its own and exchanges it through license/token; a code shown to a counter is never
// redeemed here. The page is this app's /m/license where the upstream has the license_by_token
// extension, else the service's own `{web_root}/license/view_license` where UPSTREAM_WEB_ROOT
// names it, else it is not offered at all.
import type { MobileLicenseView, MobileViewLink, ServiceCapabilities } from '../../contract/bff.ts';
import type { LicenseByTokenResult } from '../../contract/upstream.ts';
import type { Config } from '../config.ts';
import { ApiError } from '../errors.ts';
import { maskName } from '../identity/masking.ts';
import type { UpstreamCapabilities } from '../upstream/capabilities.ts';
import type { UpstreamClient } from '../upstream/client.ts';
import { UpstreamAbsentError, UpstreamError, upstreamErrorToApiError } from '../upstream/errors.ts';
import { bizNum, type Session } from './authorisations.ts';
import { type HolderService, certificateNotUsable, licenseState, upstreamTimeToIso, viaUpstream } from './holder.ts';

const TOKEN_INVALID = '访问令牌已过期或无效';

export class MobileViewService {
  constructor(
    private readonly holder: HolderService,
    private readonly upstream: UpstreamClient,
    private readonly capabilities: UpstreamCapabilities,
    private readonly config: Config,
  ) {}

  /** Where "view on mobile" goes with this upstream. */
  mode(): ServiceCapabilities['mobileView'] {
    if (this.capabilities.has('license_by_token')) return 'page';
    return this.config.upstream.webRoot ? 'service' : 'none';
  }

  async link(session: Session, licenseCode: string): Promise<MobileViewLink> {
    await this.capabilities.ready();
    const mode = this.mode();
    if (mode === 'none') throw new ApiError(409, 'CONFLICT', '电子证照共享服务不提供移动端查看页面，暂不能在手机上查看');
    const { record } = await this.holder.ownRecord(session.credential, licenseCode);
    if (licenseState(record, this.holder.now()).state === 'abolished') throw certificateNotUsable('该证照已废止，不能在手机上查看');
    const item = await this.holder.anyServiceItemFor(record.license_item_code);
    if (!item) throw certificateNotUsable('该证照暂不支持在手机上查看');
    const minted = await viaUpstream(this.upstream.holder({
      service_item_code: item.serviceItemCode, service_item_name: item.name, biz_num: bizNum('YD'), credential: session.credential,
    }));
    const authCode = minted.authCodes[minted.licenses.findIndex((l) => l.license_code === licenseCode)];
    try {
      if (!authCode) throw certificateNotUsable('该证照暂不支持在手机上查看');
      const token = await viaUpstream(this.upstream.token(authCode));
      const query = `license_access_token=${encodeURIComponent(token.license_access_token)}`;
      const url = mode === 'page' ? `/m/license?${query}` : `${this.config.upstream.webRoot}/license/view_license?${query}`;
      return { url, expiresAt: upstreamTimeToIso(token.expiry_date) };
    } finally {
      // The token outlives its code; where the upstream can revoke, no code of this call stays redeemable.
      if (this.capabilities.has('revoke')) {
        for (const code of minted.authCodes) void this.upstream.revokeAuthCode(code, session.credential).catch(() => undefined);
      }
    }
  }

  /** The record behind a license_access_token (the upstream's license_by_token extension). */
  async view(token: string, viewerName: string | null): Promise<MobileLicenseView> {
    await this.capabilities.ready();
    if (!this.capabilities.has('license_by_token')) throw new ApiError(404, 'NOT_FOUND', '该页面由电子证照共享服务提供，请从“我的证照”重新打开');
    let result: LicenseByTokenResult;
    try {
      result = await this.upstream.licenseByToken(token);
    } catch (err) {
      if (err instanceof UpstreamAbsentError) {
        this.capabilities.markAbsent('license_by_token');
        throw new ApiError(404, 'NOT_FOUND', TOKEN_INVALID);
      }
      if (err instanceof UpstreamError) {
        if (err.code === 'AUTH_CODE_EXPIRED') throw new ApiError(410, 'CODE_NOT_REDEEMABLE', TOKEN_INVALID);
        if (err.code === 'LICENSE_ABOLISHED') throw new ApiError(410, 'CERTIFICATE_NOT_USABLE', '该证照已废止，无法查看');
        if (err.code === 'AUTH_CODE_INVALID' || err.code === 'NOT_FOUND' || err.code === 'INVALID_REQUEST') throw new ApiError(404, 'NOT_FOUND', TOKEN_INVALID);
      }
      throw err instanceof UpstreamError ? upstreamErrorToApiError(err) : err;
    }
    const entry = await this.holder.catalogue(result.license.license_item_code);
    return {
      license: this.holder.detailOf(result.license, entry),
      viewer: viewerName ? maskName(viewerName) : null,
      tokenExpiresAt: upstreamTimeToIso(result.expiry_date),
    };
  }
}
