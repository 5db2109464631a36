// DB11/T 2290 6.6 [spec usage-code rules]: a code the holder authorised for a service item is for
// the organisation that owns that item. Where this BFF minted the code itself it knows that
// organisation, so the counter refuses another organisation's code before calling upstream, with
// words that say what happened (the upstream would answer only AUTH_CODE_BOUND_TO_OTHER_SYSTEM).
import { createHash } from 'node:crypto';
import { ApiError } from '../errors.ts';
import type { AuthorisationStore } from '../store/authorisations.ts';

export class CounterRecipientCheck {
  constructor(private readonly store: AuthorisationStore) {}

  /** Throws unless the code is unknown here (the upstream decides) or was authorised for `counterOrgCode`. */
  check(authCode: string, counterOrgCode: string): void {
    const row = this.store.byAuthCodeHash(createHash('sha256').update(authCode).digest('hex'));
    if (row && row.org_code !== counterOrgCode) {
      throw new ApiError(409, 'CODE_NOT_REDEEMABLE', '持证人授权的是其他单位的事项，本单位不能使用该用证码；请持证人为本单位的事项重新授权');
    }
  }
}
