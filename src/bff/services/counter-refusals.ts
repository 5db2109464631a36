// What the sharing service's refusals mean for the person at the counter, in words they can pass on.
import { ApiError } from '../errors.ts';
import { UpstreamError, upstreamErrorToApiError } from '../upstream/errors.ts';

/** What a refused code means for the person at the counter, in words they can pass on. */
const REFUSALS: Partial<Record<UpstreamError['code'], [number, string]>> = {
  AUTH_CODE_EXPIRED: [410, '该用证码已过期，请持证人在手机上刷新用证码后重新出示'],
  AUTH_CODE_REVOKED: [410, '该用证码已被持证人撤销，请持证人重新授权'],
  // 6.6: either another system redeemed it first, or the holder authorised it for another organisation.
  AUTH_CODE_BOUND_TO_OTHER_SYSTEM: [409, '该用证码不能在本单位使用：它已被其他单位使用，或持证人授权的是其他单位，请持证人重新授权'],
  AUTH_CODE_INVALID: [409, '用证码无效，请重新扫码或核对输入；如仍无效，请持证人重新授权'],
};

export function refusal(err: unknown): unknown {
  if (!(err instanceof UpstreamError)) return err;
  const mapped = REFUSALS[err.code];
  if (mapped) return new ApiError(mapped[0], 'CODE_NOT_REDEEMABLE', mapped[1]);
  if (err.code === 'LICENSE_ABOLISHED') {
    return new ApiError(409, 'CERTIFICATE_NOT_USABLE', '该证照已废止（已变更或注销），不能作为有效证明，请持证人出示现行证照或纸质材料');
  }
  if (err.code === 'LICENSE_NOT_ISSUED') return new ApiError(409, 'CERTIFICATE_NOT_USABLE', '该证照尚未签发，不能使用');
  if (err.code === 'FORBIDDEN') return new ApiError(403, 'FORBIDDEN', '本窗口系统无权进行该核验，请确认所选事项属于本单位');
  return upstreamErrorToApiError(err);
}
