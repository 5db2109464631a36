// The network edge of the page's component tests: an axios answer as the adapter would give it,
// a rejection with the response attached for any status of 400 and up (axios's own rule).
import { AxiosError, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';

export function respond(config: InternalAxiosRequestConfig, status: number, data: unknown, headers: Record<string, string> = {}): Promise<AxiosResponse> {
  const response = { data, status, statusText: String(status), headers, config } as AxiosResponse;
  if (status >= 400) return Promise.reject(new AxiosError('fail', 'ERR_BAD_RESPONSE', config, {}, response));
  return Promise.resolve(response);
}
