// /api/counter/*: the counter's calls. Stores call these; nothing else talks to the BFF for the counter.
import type {
  CounterArchiveRequest,
  CounterByFunctionRequest,
  CounterByFunctionResponse,
  CounterRedeemRequest,
  CounterRedemption,
  CounterServiceItemsResponse,
} from '@contract/counter';
import type { ApiErrorBody } from '@contract/bff';
import type { CounterRequestCreate, CounterRequestCreated, RequestState } from '@contract/counter-request';
import { t } from '../i18n';
import { ApiRequestError, getJson, http, postJson } from './http';

export function fetchCounterServiceItems(): Promise<CounterServiceItemsResponse> {
  return getJson<CounterServiceItemsResponse>('/counter/service-items');
}

export function redeemCode(req: CounterRedeemRequest): Promise<CounterRedemption> {
  return postJson<CounterRedemption>('/counter/redeem', req);
}

export interface ArchiveFile {
  blob: Blob;
  fileName: string;
}

/** The signed PDF as a Blob; POST keeps the usage code out of URLs and history. */
export async function fetchArchive(req: CounterArchiveRequest): Promise<ArchiveFile> {
  // Every status comes back here: an error body arrives as a Blob and must be read as JSON first.
  const res = await http.post<Blob>('/counter/archive', req, { responseType: 'blob', validateStatus: () => true });
  if (res.status !== 200) {
    let body: Partial<ApiErrorBody> | null;
    try {
      body = JSON.parse(await res.data.text()) as ApiErrorBody;
    } catch {
      body = null;
    }
    const e = body?.error;
    throw new ApiRequestError(e?.code ?? 'UPSTREAM_ERROR', e?.message ?? t('error.server'), res.status, e?.requestId);
  }
  const disposition = String(res.headers['content-disposition'] ?? '');
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  const plain = /filename="([^"]+)"/i.exec(disposition)?.[1];
  return { blob: res.data, fileName: star ? decodeURIComponent(star) : plain ?? 'archive.pdf' };
}

export function searchByFunction(req: CounterByFunctionRequest): Promise<CounterByFunctionResponse> {
  return postJson<CounterByFunctionResponse>('/counter/by-function', req);
}

/** 扫码授权: the counter screen starts a request for its case (issue 15). */
export function startCounterRequest(req: CounterRequestCreate): Promise<CounterRequestCreated> {
  return postJson<CounterRequestCreated>('/counter/requests', req);
}

export interface CounterRequestStatus {
  state: RequestState;
  expiresAt: string;
  message: string | null;
  result: CounterRedemption | null;
}

/** The counter screen's poll: the redemption arrives once, in the answer that delivers it. */
export function pollCounterRequest(id: string): Promise<CounterRequestStatus> {
  return getJson<CounterRequestStatus>(`/counter/requests/${encodeURIComponent(id)}`);
}
