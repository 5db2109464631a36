import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AxiosAdapter } from 'axios';
import { respond } from './axios-edge.ts';
import { ApiRequestError, http } from '../../src/web/api/http';
import { listLicenses } from '../../src/web/api/licenses';

// Issue 10: a busy BFF answers 503 with Retry-After; the wallet read comes back once after that
// wait, then gives up into the page's error state. Only axios's adapter (the network edge) is replaced.

const busy = (retryAfter?: string): Answer => ({
  status: 503,
  headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter },
  data: { error: { code: 'UPSTREAM_UNAVAILABLE', message: '服务繁忙，请稍后再试', requestId: 'r1' } },
});
interface Answer { status: number; headers: Record<string, string>; data: unknown }

const ok: Answer = { status: 200, headers: {}, data: { licenses: [{ licenseCode: 'LC001' }] } };

let answers: Answer[] = [];
const calls: number[] = [];
const originalAdapter = http.defaults.adapter;

const adapter: AxiosAdapter = async (config) => {
  calls.push(Date.now());
  const a = answers.shift() ?? ok;
  return respond(config, a.status, a.data, a.headers);
};

beforeEach(() => {
  vi.useFakeTimers();
  http.defaults.adapter = adapter;
  calls.length = 0;
});
afterEach(() => {
  http.defaults.adapter = originalAdapter;
  vi.useRealTimers();
});

describe('a wallet read answered 503 with Retry-After', () => {
  it('asks once more after the wait the BFF named, and shows the wallet', async () => {
    answers = [busy('2')];
    const read = listLicenses();
    await vi.advanceTimersByTimeAsync(1_900);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    await expect(read).resolves.toEqual([{ licenseCode: 'LC001' }]);
    expect(calls).toHaveLength(2);
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(2_000);
  });

  it('gives up after the one calm retry: the page gets the error to show', async () => {
    answers = [busy('1'), busy('1')];
    const read = listLicenses();
    const settled = expect(read).rejects.toMatchObject({ status: 503, code: 'UPSTREAM_UNAVAILABLE', message: '服务繁忙，请稍后再试' });
    await vi.advanceTimersByTimeAsync(1_000);
    await settled;
    expect(calls).toHaveLength(2);
  });

  it('does not wait when there is no Retry-After, or one longer than a page should hang', async () => {
    for (const header of [undefined, '600']) {
      calls.length = 0;
      answers = [busy(header)];
      await expect(listLicenses()).rejects.toBeInstanceOf(ApiRequestError);
      expect(calls).toHaveLength(1);
    }
  });

  it('stops waiting when the page leaves (the read is aborted)', async () => {
    answers = [busy('5')];
    const leaving = new AbortController();
    const read = listLicenses(leaving.signal);
    const settled = expect(read).rejects.toBeDefined();
    await vi.advanceTimersByTimeAsync(1_000);
    leaving.abort();
    await settled;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(1);
  });
});
