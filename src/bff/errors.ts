import type { ApiErrorBody, ApiErrorCode } from '../contract/bff.ts';

/** An error the BFF answers on purpose: status, code and a sentence the page can show. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function errorBody(code: ApiErrorCode, message: string, requestId: string): ApiErrorBody {
  return { error: { code, message, requestId } };
}

export const notFound = (what = '请求的内容') => new ApiError(404, 'NOT_FOUND', `${what}不存在或无权查看`);

/** Retry-After on a 503 that names no better time (an upstream or provider that could not answer). */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;
