// The counter code (柜台数字码, issue 15): 16 digits derived from the usage code with a keyed MAC,
// plus a Damm check digit. Derived, not stored: it is valid exactly while its usage code is, and
// only among the live codes of the organisation the holder authorised (the staff member's own).
// Why 16 digits, the per-staff limit and the live-code cap: docs/decisions.md, "A code people can read".
import { timingSafeEqual } from 'node:crypto';
import { COUNTER_CODE_RANDOM_DIGITS, withCheckDigit } from '../../contract/counter-code.ts';
import { ApiError } from '../errors.ts';
import type { DataCipher } from '../store/crypto.ts';
import type { LiveCodeStore } from '../store/counter-codes.ts';

/** Live codes per organisation that carry a counter code; the ones minted later show only the QR and full code. */
export const COUNTER_CODE_MAX_LIVE_PER_ORG = 1000;
/** Typed counter codes per staff member per minute, inside the redeem limit. */
export const COUNTER_CODE_PER_STAFF_PER_MINUTE = 10;

const MODULUS = 10n ** BigInt(COUNTER_CODE_RANDOM_DIGITS);

export interface CounterCodeRow {
  id: string;
  org_code: string;
  state: string;
  auth_code: string | null;
  created_at: number;
  expires_at: number;
}

/** A fixed one-minute window of attempts per key: in memory, or with REDIS_URL shared (store/redis-windows.ts). */
export interface AttemptWindows {
  /** Counts one attempt; returns the attempts in the key's current window and when it ends (epoch ms). */
  hit(key: string, now: number): Promise<{ count: number; endsAt: number }>;
}

const WINDOW_MS = 60_000;

export class MemoryAttemptWindows implements AttemptWindows {
  readonly #windows = new Map<string, { start: number; count: number }>();

  async hit(key: string, now: number): Promise<{ count: number; endsAt: number }> {
    let w = this.#windows.get(key);
    if (!w || now - w.start >= WINDOW_MS) {
      if (this.#windows.size > 10_000) this.#windows.clear();
      this.#windows.set(key, (w = { start: now, count: 0 }));
    }
    w.count += 1;
    return { count: w.count, endsAt: w.start + WINDOW_MS };
  }
}

export class CounterCodes {
  constructor(
    private readonly cipher: DataCipher,
    private readonly store: LiveCodeStore,
    private readonly clock: () => number = Date.now,
    private readonly windows: AttemptWindows = new MemoryAttemptWindows(),
  ) {}

  /** The 17 digits for a usage code. A 256-bit MAC reduced mod 10^16: the bias is below 2^-200. */
  codeFor(authCode: string): string {
    const mac = BigInt(`0x${this.cipher.mac(authCode, 'counter-code').toString('hex')}`);
    return withCheckDigit((mac % MODULUS).toString().padStart(COUNTER_CODE_RANDOM_DIGITS, '0'));
  }

  /** The counter code to show beside a record's QR, or null when the record has none (not live, or past the cap). */
  async forRow(row: CounterCodeRow): Promise<string | null> {
    const now = this.clock();
    if (row.state !== 'active' || !row.auth_code || row.expires_at <= now) return null;
    if (await this.store.liveBefore(row.org_code, now, row.created_at, row.id) >= COUNTER_CODE_MAX_LIVE_PER_ORG) return null;
    return this.codeFor(row.auth_code);
  }

  /** The usage code behind a typed counter code, among the live codes of `orgCode` only. */
  async resolve(staff: string, orgCode: string, code: string): Promise<string> {
    await this.#count(staff);
    const now = this.clock();
    const wanted = Buffer.from(code);
    for (const live of await this.store.liveOfOrg(orgCode, now, COUNTER_CODE_MAX_LIVE_PER_ORG)) {
      const candidate = Buffer.from(this.codeFor(live.authCode));
      if (candidate.length === wanted.length && timingSafeEqual(candidate, wanted)) return live.authCode;
    }
    // Unknown, expired, used up or another organisation's: the same words, nothing to learn from them.
    throw new ApiError(409, 'CODE_NOT_REDEEMABLE', '数字码无效或已失效：请核对数字，或请持证人刷新用证码后重新出示');
  }

  async #count(staff: string): Promise<void> {
    const now = this.clock();
    const w = await this.windows.hit(`counter-code:${staff}`, now);
    if (w.count > COUNTER_CODE_PER_STAFF_PER_MINUTE) {
      const wait = Math.max(1, Math.ceil((w.endsAt - now) / 1000));
      throw new ApiError(429, 'RATE_LIMITED', `输入数字码过于频繁：每位工作人员每分钟最多 ${COUNTER_CODE_PER_STAFF_PER_MINUTE} 次，请 ${wait} 秒后再试`);
    }
  }
}
