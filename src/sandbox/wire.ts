import { randomUUID } from 'node:crypto';
import type { Envelope, UpstreamError, UpstreamErrorCode } from '../contract/upstream.ts';

// The license-app/v1 envelope and the refusals the sandbox answers with.

const MESSAGES: Record<UpstreamErrorCode, string> = {
  INVALID_REQUEST: '请求参数不合法',
  INVALID_CREDENTIALS: '接入系统凭据或账号密码错误',
  INVALID_ACCESS_TOKEN: '访问令牌无效，请重新登录',
  ACCESS_TOKEN_EXPIRED: '访问令牌已过期，请重新登录',
  FORBIDDEN: '当前接入系统无权调用该接口',
  NOT_FOUND: '请求的资源不存在',
  LICENSE_NOT_ISSUED: '证照尚未签发',
  LICENSE_ABOLISHED: '证照已废止',
  AUTH_CODE_INVALID: '用证码无效',
  AUTH_CODE_EXPIRED: '用证码已过期',
  AUTH_CODE_BOUND_TO_OTHER_SYSTEM: '用证码已被其他接入系统使用',
  AUTH_CODE_REVOKED: '用证码已被持证人撤销',
  CREDENTIAL_INVALID: '持证人身份凭证无效或已过期',
  RATE_LIMITED: '请求过于频繁，请稍后再试',
  SIGNATURE_INVALID: '请求签名无效',
  REPLAYED_REQUEST: '重复的请求',
  INTERNAL_ERROR: '服务内部错误',
};

/** A business refusal: HTTP 200 unless `httpStatus` says the fault is in the transport. */
export class ApiError extends Error {
  readonly code: UpstreamErrorCode;
  readonly innerCode?: string;
  readonly httpStatus: number;
  constructor(code: UpstreamErrorCode, message?: string, opts: { innerCode?: string; httpStatus?: number } = {}) {
    super(message ?? MESSAGES[code]);
    this.code = code;
    this.innerCode = opts.innerCode;
    this.httpStatus = opts.httpStatus ?? 200;
  }
  toWire(): UpstreamError {
    return this.innerCode ? { code: this.code, message: this.message, inner_code: this.innerCode } : { code: this.code, message: this.message };
  }
}

export function defaultMessage(code: UpstreamErrorCode): string {
  return MESSAGES[code];
}

const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

/** `YYYY-MM-DD HH:mm:ss` in Beijing time. */
export function formatTimestamp(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** `YYYY-MM-DD` in Beijing time. */
export function formatDate(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** End of the given Beijing calendar day (`YYYY-MM-DD`), epoch ms. */
export function endOfBeijingDay(date: string): number {
  return Date.parse(`${date}T23:59:59.999+08:00`);
}

export function envelope<T>(data: T | null, opts: { requestId?: string | null; totalCount?: number; now: number; extra?: Record<string, unknown> }): Envelope<T> {
  return {
    ack_code: 'SUCCESS',
    errors: [],
    sign: null,
    sign_method: null,
    timestamp: formatTimestamp(opts.now),
    correlation_id: opts.requestId ?? null,
    response_id: randomUUID(),
    total_count: opts.totalCount ?? (Array.isArray(data) ? data.length : data === null ? 0 : 1),
    data,
    ...opts.extra,
  };
}

export function failure(errors: UpstreamError[], opts: { requestId?: string | null; now: number }): Envelope<null> {
  return {
    ack_code: 'FAILURE',
    errors,
    sign: null,
    sign_method: null,
    timestamp: formatTimestamp(opts.now),
    correlation_id: opts.requestId ?? null,
    response_id: randomUUID(),
    total_count: 0,
    data: null,
  };
}

// Masking is the one rule in contract/masking.ts (docs/decisions.md, "One masking rule").
export { maskSensitiveValue as maskValue } from '../contract/masking.ts';
