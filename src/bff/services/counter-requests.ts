// The counter asks, the citizen answers (扫码授权, issue 15). A request is bound to the staff member
// who started it and their organisation, names one case and one of that organisation's service
// items, lives a few minutes and is answered once. The holder answers with an authorisation they
// made for exactly that organisation and item; only the counter that asked receives the result,
// which it redeems through its own access system with the standard get_license (DB11/T 2290 6.6),
// so the consented fields, and only they, reach it. No extension is needed.
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { CounterRedemption } from '../../contract/counter.ts';
import { REQUEST_LANDING_PATH, type CounterRequestCreate, type CounterRequestCreated, type CounterRequestStatus, type HolderRequestView, type RequestState } from '../../contract/counter-request.ts';
import { ApiError } from '../errors.ts';
import type { HolderSession } from '../fastify.d.ts';
import type { AuthorisationStore } from '../store/authorisations.ts';
import type { CounterRequestRow, CounterRequestStore } from '../store/counter-requests.ts';
import type { CounterService } from './counter.ts';

/** [our decision] Long enough to sign in on a phone and read the consent, short enough that a QR left on a screen goes stale. */
export const COUNTER_REQUEST_TTL_MS = 5 * 60_000;

export interface CounterRequestDeps {
  requests: CounterRequestStore;
  authorisations: AuthorisationStore;
  counter: CounterService;
  publicOrigin: string;
  log: FastifyBaseLogger;
  clock?: () => number;
}

const gone = (): ApiError => new ApiError(404, 'NOT_FOUND', '该请求不存在或已失效，请向窗口工作人员索取新的二维码');
const notWaiting = (): ApiError => new ApiError(409, 'CONFLICT', '该请求已失效或已被处理，请向窗口工作人员索取新的二维码');

export class CounterRequestService {
  readonly #d: CounterRequestDeps;

  constructor(deps: CounterRequestDeps) {
    this.#d = deps;
  }

  get #now(): number {
    return (this.#d.clock ?? Date.now)();
  }

  #state(row: CounterRequestRow): RequestState {
    if (row.state === 'delivering') return 'answered';
    if (row.state === 'waiting' && row.expires_at <= this.#now) return 'expired';
    return row.state;
  }

  /** The clerk starts a request for the case on screen, for one of their organisation's items. */
  async create(staff: HolderSession, body: CounterRequestCreate): Promise<CounterRequestCreated> {
    if (!staff.orgCode) throw new ApiError(403, 'FORBIDDEN', '当前工作人员账号未关联办事机构，请联系管理员');
    const items = (await this.#d.counter.serviceItems(staff)).serviceItems;
    const item = items.find((i) => i.serviceItemCode === body.serviceItemCode);
    if (!item) throw new ApiError(400, 'BAD_REQUEST', '所选事项不属于本单位，请重新选择事项');
    const id = randomBytes(16).toString('base64url');
    const now = this.#now;
    const expiresAt = now + COUNTER_REQUEST_TTL_MS;
    await this.#d.requests.insert(id, {
      staff_sub: staff.sub, org_code: staff.orgCode, org_name: staff.orgName ?? '', service_item_code: item.serviceItemCode,
      service_item_name: item.name, biz_num: body.bizNum.trim(), license_item_codes: JSON.stringify(item.licenseItemCodes),
      created_at: now, expires_at: expiresAt,
    });
    this.#d.log.info({ event: 'counter.request', staff: staff.sub, biz_num: body.bizNum, service_item_code: item.serviceItemCode }, 'counter started a request');
    return { id, url: `${this.#d.publicOrigin}${REQUEST_LANDING_PATH}${id}`, serviceItemName: item.name, bizNum: body.bizNum.trim(), expiresAt: new Date(expiresAt).toISOString() };
  }

  /** What the citizen sees before consenting. A request someone else answered is not theirs to see. */
  async forHolder(holder: HolderSession, id: string): Promise<HolderRequestView> {
    const row = await this.#d.requests.byId(id);
    if (!row || (row.holder_sub !== null && row.holder_sub !== holder.sub)) throw gone();
    return {
      id, orgName: row.org_name, serviceItemCode: row.service_item_code, serviceItemName: row.service_item_name, bizNum: row.biz_num,
      licenseItemCodes: JSON.parse(row.license_item_codes) as string[], expiresAt: new Date(row.expires_at).toISOString(), state: this.#state(row),
    };
  }

  /** The holder answers with the authorisation they just made: it must be theirs, live, and for this organisation's item. */
  async answer(holder: HolderSession, id: string, authorisationId: string): Promise<HolderRequestView> {
    const row = await this.#d.requests.byId(id);
    if (!row || (row.holder_sub !== null && row.holder_sub !== holder.sub)) throw gone();
    if (this.#state(row) !== 'waiting') throw notWaiting();
    const auth = await this.#d.authorisations.owned(holder.sub, authorisationId);
    if (!auth || auth.state !== 'active' || auth.expires_at <= this.#now) throw new ApiError(409, 'CONFLICT', '该授权已失效，请重新授权');
    if (auth.org_code !== row.org_code || auth.service_item_code !== row.service_item_code) {
      throw new ApiError(409, 'CONFLICT', `该授权用于“${auth.service_item_name}”，不是窗口所请求的“${row.service_item_name}”`);
    }
    if (!await this.#d.requests.answer(id, holder.sub, auth.id, this.#now)) throw notWaiting();
    this.#d.log.info({ event: 'counter.request.answered', authorisation: auth.id }, 'holder answered a counter request');
    return this.forHolder(holder, id);
  }

  async decline(holder: HolderSession, id: string): Promise<HolderRequestView> {
    const row = await this.#d.requests.byId(id);
    if (!row || (row.holder_sub !== null && row.holder_sub !== holder.sub)) throw gone();
    if (!await this.#d.requests.decline(id, holder.sub, this.#now)) throw notWaiting();
    return this.forHolder(holder, id);
  }

  /**
   * The counter screen's poll. Only the staff member who started the request, in their
   * organisation, learns anything of it; the result is redeemed and handed over once.
   */
  async forCounter(staff: HolderSession, id: string): Promise<CounterRequestStatus> {
    const row = await this.#d.requests.byId(id);
    if (!row || row.staff_sub !== staff.sub || row.org_code !== staff.orgCode) throw gone();
    const status = (state: RequestState, message: string | null = row.message, result: CounterRedemption | null = null): CounterRequestStatus =>
      ({ state, expiresAt: new Date(row.expires_at).toISOString(), message, result });
    if (row.state !== 'answered' || !await this.#d.requests.take(id)) return status(this.#state(row));
    const auth = row.authorisation_id ? await this.#d.authorisations.byId(row.authorisation_id) : undefined;
    if (!auth?.auth_code || auth.org_code !== row.org_code || auth.service_item_code !== row.service_item_code) {
      await this.#d.requests.settle(id, 'failed', '持证人的授权已失效，请持证人重新扫码授权');
      return status('failed', '持证人的授权已失效，请持证人重新扫码授权');
    }
    try {
      const result = await this.#d.counter.redeem(staff, { bizNum: row.biz_num, serviceItemCode: row.service_item_code, authCode: auth.auth_code });
      await this.#d.requests.settle(id, 'done');
      return status('done', null, result);
    } catch (err) {
      // A fault on the way (the service unreachable) leaves the answer for the next poll; a refusal is final.
      if (!(err instanceof ApiError) || err.statusCode >= 500) {
        await this.#d.requests.settle(id, 'answered');
        throw err;
      }
      await this.#d.requests.settle(id, 'failed', err.message);
      return status('failed', err.message);
    }
  }
}
