// DB11/T 2290 6.6 [spec usage-code rules]: a code the holder authorised for a service item is for
// the organisation that owns that item, and for that item. Where this BFF minted the code itself it
// knows both, so the counter refuses a code for another organisation, or one authorised for another
// of its own items, before calling upstream, with words that say what happened (the upstream would
// answer only AUTH_CODE_BOUND_TO_OTHER_SYSTEM, or nothing at all for another item of the same
// organisation, since the standard's get_license carries no service item).
import { createHash } from 'node:crypto';
import { ApiError } from '../errors.ts';
import type { AuthorisationStore } from '../store/authorisations.ts';

/** The case's service item at the counter. */
export interface CaseItem {
  serviceItemCode: string;
  name: string;
}

export class CounterRecipientCheck {
  constructor(private readonly store: AuthorisationStore) {}

  /** Throws unless the code is unknown here (the upstream decides) or was authorised for this organisation's `caseItem`. */
  async check(authCode: string, counterOrgCode: string, caseItem: CaseItem): Promise<void> {
    const row = await this.store.byAuthCodeHash(createHash('sha256').update(authCode).digest('hex'));
    if (!row) return;
    if (row.org_code !== counterOrgCode) {
      throw new ApiError(409, 'CODE_NOT_REDEEMABLE', '持证人授权的是其他单位的事项，本单位不能使用该用证码；请持证人为本单位的事项重新授权');
    }
    if (row.service_item_code !== caseItem.serviceItemCode) {
      throw new ApiError(409, 'CODE_NOT_REDEEMABLE',
        `持证人授权用于“${row.service_item_name}”，不能用于本办件的“${caseItem.name}”；请持证人为“${caseItem.name}”重新授权，或核对所选办理事项`);
    }
  }
}
