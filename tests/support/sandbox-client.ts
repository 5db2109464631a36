import type { Envelope, Operator } from '../../src/contract/upstream.ts';
import { DEMO_ACCESS_SYSTEMS } from '../../src/sandbox/demo-data.ts';

// A minimal license-app/v1 caller for tests: real HTTP, the envelope as it came.

export type AnyEnvelope = Envelope<any> & { auth_codes?: string[] }; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Called {
  status: number;
  body: AnyEnvelope;
}

export const STAFF_OPERATOR: Operator = {
  account: 'staff01', name: '赵六', identity_num: '110101199208152344', role: 'counter_staff', service_org: '北京市东城区政务服务中心',
  service_org_code: '11110101MB0000001X', division: '东城区', division_code: '110101',
};
export const ISSUER_OPERATOR: Operator = {
  account: 'issuer01', name: '测试颁证员', identity_num: '', role: 'issuer', service_org: '北京市演示颁证机关',
  service_org_code: '11110000MB0000009K', division: '北京市', division_code: '110000',
};

export function systemCredentials(appKey: string) {
  const s = DEMO_ACCESS_SYSTEMS.find((x) => x.appKey === appKey);
  if (!s) throw new Error(`no demo system ${appKey}`);
  return { app_key: s.appKey, app_secret: s.appSecret, account: s.account, password: s.password };
}

export class SandboxClient {
  token = '';
  constructor(readonly apiRoot: string) {}

  private url(path: string, query: Record<string, string | number | boolean | undefined> = {}, withToken = true): string {
    const u = new URL(this.apiRoot + path);
    if (withToken && this.token) u.searchParams.set('access_token', this.token);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  async raw(method: 'GET' | 'POST', path: string, opts: { query?: Record<string, string | number | boolean | undefined>; body?: unknown; rawBody?: string; withToken?: boolean; headers?: Record<string, string> } = {}): Promise<Called> {
    const hasBody = opts.body !== undefined || opts.rawBody !== undefined;
    const res = await fetch(this.url(path, opts.query, opts.withToken ?? true), {
      method,
      headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      body: opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });
    return { status: res.status, body: (await res.json()) as AnyEnvelope };
  }

  async get(path: string, query?: Record<string, string | number | boolean | undefined>): Promise<AnyEnvelope> {
    return (await this.raw('GET', path, { query })).body;
  }

  async post(path: string, body?: unknown, query?: Record<string, string | number | boolean | undefined>): Promise<AnyEnvelope> {
    return (await this.raw('POST', path, { body, query })).body;
  }

  async login(appKey: string): Promise<this> {
    const env = (await this.raw('POST', '/security/login', { body: systemCredentials(appKey), withToken: false })).body;
    if (env.ack_code !== 'SUCCESS' || !env.access_token) throw new Error(`login ${appKey} failed: ${JSON.stringify(env.errors)}`);
    this.token = env.access_token;
    return this;
  }
}

export function errorCode(env: AnyEnvelope): string | undefined {
  return env.ack_code === 'FAILURE' ? env.errors[0]?.code : undefined;
}

/** A fresh, signed certificate made by issuer-demo; returns its license_code and issuer auth_code. */
export async function issueLicense(issuer: SandboxClient, itemCode: string, holder: { name: string; identityNum: string }, fields: Record<string, string> = {}, dates: { begin_date?: string; expiry_date?: string } = {}): Promise<{ license_code: string; auth_code: string }> {
  const created = await issuer.post(`/license/${itemCode}/create`, { data: {
    service_item_code: 'ZZ-ZZ-0001', service_item_name: '电子证照制发', holder_name: holder.name, holder_identity_type: '111',
    holder_identity_num: holder.identityNum, data_fields: fields, operator: ISSUER_OPERATOR, ...dates,
  } });
  if (created.ack_code !== 'SUCCESS') throw new Error(`create failed: ${JSON.stringify(created.errors)}`);
  const signed = await issuer.post(`/license/${itemCode}/sign`, { data: { license_code: created.data.license_code, operator: ISSUER_OPERATOR } });
  if (signed.ack_code !== 'SUCCESS') throw new Error(`sign failed: ${JSON.stringify(signed.errors)}`);
  return created.data;
}

/** Face fields that make a valid 居民户口簿 (the required type-specific ones). */
export const HOUSEHOLD_FIELDS = { HH: '110101099999', HZXM: '测试', YHZGX: '户主', XB: '男', MZ: '汉族', CSRQ: '1990-03-07', ZZ: '北京市东城区测试街1号' };
