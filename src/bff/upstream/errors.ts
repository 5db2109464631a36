// What can go wrong when the BFF calls license-app/v1, as typed errors the routes can branch on
// and the error handler can turn into a sentence for the page.
import type { ApiErrorCode } from '../../contract/bff.ts';
import type { UpstreamErrorCode } from '../../contract/upstream.ts';
import { ApiError } from '../errors.ts';

/** A business refusal: the envelope answered `ack_code: FAILURE`. */
export class UpstreamError extends Error {
  constructor(
    readonly code: UpstreamErrorCode,
    message: string,
    readonly innerCode?: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

export type UnavailableReason = 'timeout' | 'network' | 'http_status' | 'garbage' | 'login_failed';

/**
 * The service could not be reached or answered something that is not the envelope. An ApiError,
 * so the BFF's error handler answers 503 (unreachable, timeout) or 502 (garbage) on its own.
 */
export class UpstreamUnavailableError extends ApiError {
  constructor(
    readonly reason: UnavailableReason,
    /** For logs only: what happened at the transport level (no URL query, no body). */
    readonly detail: string,
  ) {
    const garbage = reason === 'garbage' || reason === 'login_failed';
    super(garbage ? 502 : 503, garbage ? 'UPSTREAM_ERROR' : 'UPSTREAM_UNAVAILABLE', unavailableMessage(reason));
    this.name = 'UpstreamUnavailableError';
  }
}

/**
 * The upstream has no such interface (HTTP 404 or 405, with or without an envelope, or a
 * gateway's HTML page): an extension it does not offer. Callers that use an extension catch this
 * and carry on without it; anywhere else it is the service's fault (502).
 */
export class UpstreamAbsentError extends ApiError {
  constructor(
    /** The path relative to the API root, e.g. `license/auth_code/revoke`. */
    readonly path: string,
    readonly status: number,
  ) {
    super(502, 'UPSTREAM_ERROR', '电子证照共享服务不提供该功能');
    this.name = 'UpstreamAbsentError';
  }
}

/** An answer whose shape breaks the contract (a required field missing or of the wrong type). */
export function malformedAnswer(what: string, field: string): UpstreamUnavailableError {
  const err = new UpstreamUnavailableError('garbage', `${what} answered without a valid ${field}`);
  err.message = `电子证照共享服务返回的数据缺少或错填字段 ${field}，请稍后再试`;
  return err;
}

function unavailableMessage(reason: UnavailableReason): string {
  if (reason === 'timeout') return '电子证照共享服务响应超时，请稍后再试';
  if (reason === 'garbage') return '电子证照共享服务返回了无法识别的结果，请稍后再试';
  if (reason === 'login_failed') return '本系统暂时无法接入电子证照共享服务，请稍后再试或联系管理员';
  return '电子证照共享服务暂时无法访问，请稍后再试';
}

const MAPPING: Partial<Record<UpstreamErrorCode, [number, ApiErrorCode, string]>> = {
  CREDENTIAL_INVALID: [401, 'UNAUTHENTICATED', '登录已失效，请重新登录'],
  FORBIDDEN: [403, 'FORBIDDEN', '无权进行该操作'],
  NOT_FOUND: [404, 'NOT_FOUND', '请求的内容不存在或无权查看'],
  LICENSE_NOT_ISSUED: [409, 'CERTIFICATE_NOT_USABLE', '该证照尚未签发，暂不能使用'],
  LICENSE_ABOLISHED: [409, 'CERTIFICATE_NOT_USABLE', '该证照已废止，不能使用'],
  AUTH_CODE_INVALID: [409, 'CODE_NOT_REDEEMABLE', '用证码无效'],
  AUTH_CODE_EXPIRED: [409, 'CODE_NOT_REDEEMABLE', '用证码已过期'],
  AUTH_CODE_REVOKED: [409, 'CODE_NOT_REDEEMABLE', '用证码已被持证人撤销'],
  AUTH_CODE_BOUND_TO_OTHER_SYSTEM: [409, 'CODE_NOT_REDEEMABLE', '用证码已被其他系统使用'],
  RATE_LIMITED: [429, 'RATE_LIMITED', '操作过于频繁，请稍后再试'],
  INVALID_REQUEST: [400, 'BAD_REQUEST', '请求参数不正确'],
};

/**
 * The answer for an upstream refusal no route handled itself. Refusals that say our access
 * system is misconfigured (credentials, signature, token) are the service's fault from the
 * page's point of view: 502.
 */
export function upstreamErrorToApiError(err: UpstreamError): ApiError {
  const mapped = MAPPING[err.code];
  if (mapped) return new ApiError(mapped[0], mapped[1], mapped[2]);
  return new ApiError(502, 'UPSTREAM_ERROR', '电子证照共享服务暂时无法完成该请求，请稍后再试');
}
