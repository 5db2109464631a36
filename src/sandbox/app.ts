import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static, type TSchema } from 'typebox';
import { SIGNATURE_MAX_SKEW_MS, NONCE_TTL_MS } from '../contract/request-signing.ts';
import {
  ArchiveResultSchema, AttachmentResultSchema, AuthCodeEventsResultSchema, AuthCodeUseSchema, BatchIssueResultSchema, CatalogueEntrySchema,
  CreateLicenseResultSchema, CurrentUserSchema, LicenseByTokenResultSchema, LicenseCodeResultSchema, LicenseRecordSchema, LicenseRecordWireSchema,
  LicenseTokenResultSchema, RevokeResultSchema, ServiceItemSchema,
  type CatalogueEntry, type LicenseRecord, type RequestSigningAlgorithm,
} from '../contract/upstream.ts';
import { UPSTREAM_EXTENSIONS, type UpstreamExtension } from '../contract/extensions.ts';
import type { SandboxDb } from './db.ts';
import type { AccessSystem, AccessSystemKind, RecordSigner, VerifyCredential } from './license-records.ts';
import { LicenseService } from './license-service.ts';
import { signRequest, signaturesEqual } from './request-signing.ts';
import { SandboxRateLimits, countJsonDepth, sandboxBodyLimit, type RateLimitOptions } from './request-limits.ts';
import { ApiError, envelope, failure } from './wire.ts';
import { answers, NoData, Str, OptStr, DateStr, RequestId, OptAccessToken, TokenQuery, Operator, DataFields, ItemCodeParams, CreateItem, checkItem, Wrapped, LicenseRef, redeemQueryProps, RedeemQuery } from './route-schemas.ts';

// license-app/v1 (DB11/T 2290-2024 section 6) as an encapsulated Fastify plugin. Routes are thin:
// schema, access check, one LicenseService call, envelope.

export interface LicenseAppOptions {
  db: SandboxDb;
  verifyCredential: VerifyCredential;
  signer: SandboxSigner;
  renderPdf: (input: { record: LicenseRecord; catalogue: CatalogueEntry; showSensitive: boolean; signer: SandboxSigner }) => Promise<Uint8Array>;
  holderCodeTtlSeconds?: number;
  sessionTtlSeconds?: number;
  accessTokenTtlSeconds?: number;
  requestSigning?: 'off' | RequestSigningAlgorithm;
  clock?: () => number;
  /** Guessing and call limits (request-limits.ts); tests lower them. */
  rateLimits?: Partial<RateLimitOptions>;
  /**
   * The spec's extensions this service offers (all by default). One left out answers exactly as
   * an unknown path does, so the sandbox can play the standard-only service.
   */
  extensions?: readonly UpstreamExtension[];
  /** Receives the service once built (seed, bench and tests reach its setup methods). */
  onReady?: (service: LicenseService) => void;
}

/** crypto.ts's Signer, structurally. */
export type SandboxSigner = RecordSigner & { verify(data: string | Uint8Array, signature: string): boolean };

declare module 'fastify' {
  interface FastifyRequest {
    licenseAppSystem?: AccessSystem;
    licenseAppRawBody?: string;
    licenseAppSignedBy?: string;
  }
}

const MAX_LONG_POLL_S = 30;

// ---- plugin --------------------------------------------------------------------------------

export async function licenseAppPlugin(fastify: FastifyInstance, opts: LicenseAppOptions): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const clock = opts.clock ?? Date.now;
  const service = new LicenseService({
    db: opts.db, signer: opts.signer, verifyCredential: opts.verifyCredential, clock,
    holderCodeTtlSeconds: opts.holderCodeTtlSeconds ?? 300,
    sessionTtlSeconds: opts.sessionTtlSeconds ?? 86400,
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? 600,
    dataItemKeys: (opts.extensions ?? UPSTREAM_EXTENSIONS).includes('data_item_keys'),
  });
  const offers = (e: UpstreamExtension): boolean => (opts.extensions ?? UPSTREAM_EXTENSIONS).includes(e);
  const signing = opts.requestSigning ?? 'off';
  const limits = new SandboxRateLimits(clock, opts.rateLimits);
  opts.onReady?.(service);
  // Each route's body limit fits what it accepts; JSON nesting is counted before parsing.
  app.addHook('onRoute', (route) => {
    route.bodyLimit = sandboxBodyLimit(route);
  });
  app.addHook('preParsing', countJsonDepth);

  const requestIdOf = (req: FastifyRequest): string | null => {
    const q = req.query as Record<string, unknown> | undefined;
    const b = req.body as Record<string, unknown> | undefined;
    const id = (q && typeof q.request_id === 'string' && q.request_id) || (b && typeof b === 'object' && typeof b.request_id === 'string' && b.request_id);
    return id ? id.slice(0, 128) : null;
  };
  const ok = <T>(req: FastifyRequest, data: T | null, extra?: { totalCount?: number; extra?: Record<string, unknown> }) =>
    envelope(data, { requestId: requestIdOf(req), now: clock(), totalCount: extra?.totalCount, extra: extra?.extra });

  // The raw body is kept for the 5.4 body hash; malformed JSON is a 400 protocol fault.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 8 * 1024 * 1024 }, (req, body, done) => {
    const raw = body as string;
    req.licenseAppRawBody = raw;
    if (raw.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(raw));
    } catch {
      done(new ApiError('INVALID_REQUEST', '请求体不是合法的 JSON', { httpStatus: 400, innerCode: 'MALFORMED_JSON' }), undefined);
    }
  });

  app.setErrorHandler((err: Error & { validation?: Array<{ instancePath?: string; message?: string }>; validationContext?: string; statusCode?: number }, req, reply) => {
    const now = clock();
    const requestId = requestIdOf(req);
    if (err instanceof ApiError) {
      limits.refused(req, err.code);
      return reply.code(err.httpStatus).send(failure([err.toWire()], { requestId, now }));
    }
    if (err.validation) {
      const first = err.validation[0];
      const where = `${err.validationContext ?? ''}${first?.instancePath ?? ''}`;
      // A well-formed request with missing or invalid fields is a business refusal (spec conventions).
      return reply.code(200).send(failure([{ code: 'INVALID_REQUEST', message: `请求参数不合法：${where} ${first?.message ?? ''}`.trim(), inner_code: 'SCHEMA' }], { requestId, now }));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send(failure([{ code: 'INVALID_REQUEST', message: '请求不合法', inner_code: (err as { code?: string }).code }], { requestId, now }));
    }
    req.log.error({ err: { message: err.message, code: (err as { code?: string }).code } }, 'license-app internal error');
    return reply.code(500).send(failure([{ code: 'INTERNAL_ERROR', message: '服务内部错误' }], { requestId, now }));
  });

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(failure([{ code: 'NOT_FOUND', message: '接口不存在' }], { requestId: requestIdOf(req), now: clock() }));
  });

  // DB11/T 2290 5.4 [our decision]: optional HMAC request signing with replay protection.
  if (signing !== 'off') {
    app.addHook('preValidation', async (req) => {
      const h = req.headers;
      const appKey = h['x-app-key'];
      const timestamp = h['x-timestamp'];
      const nonce = h['x-nonce'];
      const signature = h['x-signature'];
      if (typeof appKey !== 'string' || typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof signature !== 'string') {
        throw new ApiError('SIGNATURE_INVALID', '缺少请求签名头', { innerCode: 'MISSING_HEADERS' });
      }
      const system = service.systemByAppKey(appKey);
      if (!system) throw new ApiError('SIGNATURE_INVALID', '请求签名无效', { innerCode: 'UNKNOWN_APP_KEY' });
      const ts = Number(timestamp);
      if (!/^\d{10,16}$/.test(timestamp) || Math.abs(clock() - ts) > SIGNATURE_MAX_SKEW_MS) {
        throw new ApiError('SIGNATURE_INVALID', '请求时间戳超出允许范围', { innerCode: 'STALE_TIMESTAMP' });
      }
      if (nonce.length < 8 || nonce.length > 128) throw new ApiError('SIGNATURE_INVALID', '随机数长度不合法', { innerCode: 'BAD_NONCE' });
      const [path = '', search = ''] = req.url.split('?', 2);
      const query: Record<string, string[]> = {};
      for (const [k, v] of new URLSearchParams(search)) (query[k] ??= []).push(v);
      const expected = signRequest(signing, system.app_secret, { method: req.method, path, query, timestamp, nonce, body: req.licenseAppRawBody ?? '' });
      if (!signaturesEqual(expected, signature)) throw new ApiError('SIGNATURE_INVALID', '请求签名无效', { innerCode: 'MISMATCH' });
      // Checked after the signature so a forger cannot burn another system's nonces.
      if (!service.useNonce(appKey, nonce, NONCE_TTL_MS)) throw new ApiError('REPLAYED_REQUEST');
      req.licenseAppSignedBy = appKey;
    });
  }

  /** Session check + least privilege: the kinds of access system that may call a route. */
  const allow = (...kinds: AccessSystemKind[]) => async (req: FastifyRequest) => {
    const token = (req.query as { access_token?: string }).access_token;
    const system = service.authenticate(token);
    if (req.licenseAppSignedBy !== undefined && req.licenseAppSignedBy !== system.app_key) {
      throw new ApiError('SIGNATURE_INVALID', '签名的接入系统与访问令牌不一致', { innerCode: 'APP_KEY_MISMATCH' });
    }
    if (!kinds.includes(system.kind)) throw new ApiError('FORBIDDEN');
    req.licenseAppSystem = system;
  };
  const ALL: AccessSystemKind[] = ['holder', 'counter', 'issuer', 'business'];
  const sys = (req: FastifyRequest): AccessSystem => {
    if (!req.licenseAppSystem) throw new ApiError('INVALID_ACCESS_TOKEN');
    return req.licenseAppSystem;
  };

  // ---- 6.2 Session ----

  app.post('/security/login', {
    schema: { body: Type.Object({ app_key: Str(64), app_secret: Str(200), account: Str(64), password: Str(200), request_id: RequestId }), ...NoData },
    preHandler: limits.login,
  }, async (req) => {
    if (req.licenseAppSignedBy !== undefined && req.licenseAppSignedBy !== req.body.app_key) {
      throw new ApiError('SIGNATURE_INVALID', '签名的接入系统与登录凭据不一致', { innerCode: 'APP_KEY_MISMATCH' });
    }
    const session = service.login(req.body);
    return ok(req, null, { totalCount: 0, extra: session });
  });

  app.post('/security/logout', { schema: { querystring: TokenQuery, ...NoData }, preHandler: allow(...ALL) }, async (req) => {
    service.logout(req.query.access_token ?? '');
    return ok(req, null);
  });

  app.get('/security/get_current_user', { schema: { querystring: TokenQuery, ...answers(CurrentUserSchema) }, preHandler: allow(...ALL) }, async (req) =>
    ok(req, service.currentUser(sys(req))));

  app.get('/service_item/list', {
    schema: { querystring: Type.Object({ access_token: OptAccessToken, org_code: Str(64), type: Type.Optional(Type.Integer()), request_id: RequestId }), ...answers(Type.Array(ServiceItemSchema)) },
    preHandler: allow(...ALL),
  }, async (req) => ok(req, service.serviceItems(req.query.org_code)));

  // ---- 6.3 Catalogue ----

  app.get('/catalog/list', {
    schema: {
      querystring: Type.Object({ access_token: OptAccessToken, page_index: Type.Optional(Type.Integer({ minimum: 1 })), page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })), request_id: RequestId }),
      ...answers(Type.Array(CatalogueEntrySchema)),
    },
    preHandler: allow(...ALL),
  }, async (req) => {
    const { total, entries } = service.catalogueList(req.query.page_index ?? 1, req.query.page_size ?? 20);
    return ok(req, entries, { totalCount: total });
  });

  app.get('/catalog/:license_item_code', { schema: { params: ItemCodeParams, querystring: TokenQuery, ...answers(CatalogueEntrySchema) }, preHandler: allow(...ALL) },
    async (req) => ok(req, service.catalogueEntry(req.params.license_item_code)));

  // ---- 6.4 Production, 6.5 Publication (issuer only; own catalogue entries checked in the service) ----

  const issuer = { preHandler: allow('issuer') };
  const issuerRoute = <B extends TSchema>(name: string, body: B, result: TSchema, handler: (s: AccessSystem, itemCode: string, body: import('typebox').Static<B>) => unknown) => {
    app.post(`/license/:license_item_code/${name}`, { schema: { params: ItemCodeParams, querystring: TokenQuery, body, ...answers(result) }, ...issuer },
      async (req) => {
        const result = handler(sys(req), req.params.license_item_code, req.body as import('typebox').Static<B>);
        return ok(req, result === undefined ? null : result);
      });
  };

  issuerRoute('create', Wrapped(Type.Object({ ...CreateItem.properties, operator: Operator })), CreateLicenseResultSchema, (s, code, b) => service.create(s, code, b.data));
  issuerRoute('update', Wrapped(Type.Object({
    license_code: Str(64), holder_name: OptStr(200), holder_identity_type: OptStr(8), holder_identity_num: OptStr(1000),
    begin_date: Type.Optional(DateStr), expiry_date: Type.Optional(DateStr), biz_num: OptStr(64), id_code: Type.Optional(Str(128)),
    data_fields: Type.Optional(DataFields), operator: Operator,
  })), LicenseCodeResultSchema, (s, code, b) => service.update(s, code, b.data));
  issuerRoute('delete', Wrapped(Type.Object({ license_code: Str(64), operator: Operator })), Type.Null(), (s, code, b) => { service.delete(s, code, b.data); });
  issuerRoute('create_attachment', Wrapped(Type.Object({
    license_code: Str(64), name: Str(200), file_type: Str(16), file_data: Type.String({ minLength: 1, maxLength: 7_000_000 }),
    is_license_image: Type.Optional(Type.Boolean()), description: OptStr(500), operator: Type.Optional(Operator),
  })), AttachmentResultSchema, (s, code, b) => service.createAttachment(s, code, b.data));
  issuerRoute('sign', Wrapped(Type.Object({ ...LicenseRef, service_item_code: OptStr(64), service_item_name: OptStr(200), operator: Operator })), Type.Null(),
    (s, code, b) => { service.sign(s, code, b.data); });
  issuerRoute('change', Wrapped(Type.Object({
    license_code: Str(64), data_fields: Type.Optional(DataFields), begin_date: Type.Optional(DateStr), expiry_date: Type.Optional(DateStr),
    reason: Str(500), operator: Operator,
  })), CreateLicenseResultSchema, (s, code, b) => service.change(s, code, b.data));
  issuerRoute('abolish', Wrapped(Type.Object({ ...LicenseRef, abolish_reason: Str(500), biz_num: OptStr(64), operator: Operator })), Type.Null(),
    (s, code, b) => { service.abolish(s, code, b.data); });
  // 6.5: one bad item never fails the others, whatever is wrong with it, so items are checked one by one.
  issuerRoute('batch_issue', Wrapped(Type.Object({ items: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 100 }), operator: Operator })), BatchIssueResultSchema,
    (s, code, b) => service.batchIssue(s, code, { ...b.data, items: b.data.items.map((item) => checkItem(item)) }));

  // ---- 6.6 Holder authorisation ----

  app.post('/license/holder', {
    schema: {
      querystring: TokenQuery,
      body: Type.Object({ service_item_code: Str(64), service_item_name: OptStr(200), biz_num: OptStr(64), credential: Str(4096), cas_no: OptStr(32), request_id: RequestId }),
      ...answers(Type.Array(LicenseRecordSchema)),
    },
    preHandler: allow('holder'),
  }, async (req) => {
    const { data, auth_codes } = await service.holder(sys(req), req.body);
    return ok(req, data, { extra: { auth_codes } });
  });

  app.post('/license/webpage', {
    schema: { querystring: TokenQuery, body: Type.Object({ credential: Str(4096), cas_no: OptStr(32), request_id: RequestId }), ...answers(Type.Array(LicenseRecordSchema)) },
    preHandler: allow('holder'),
  }, async (req) => ok(req, await service.webpage(req.body.credential)));

  // Spec "Holder app rights": the holder app may redeem (get_license, token) its own holder codes.
  const redeemers = { preHandler: [allow('holder', 'counter', 'business'), limits.redemption] };
  const ctx = (q: { operator_name?: string; biz_num?: string }) => ({ operatorName: q.operator_name || undefined, bizNum: q.biz_num || undefined });

  app.get('/license/get_license', { schema: { querystring: RedeemQuery, ...answers(LicenseRecordWireSchema) }, ...redeemers }, async (req) =>
    ok(req, service.getLicense(sys(req), req.query.auth_code, req.query.show_sensitive_data, ctx(req.query))));

  app.get('/license/token', { schema: { querystring: RedeemQuery, ...answers(LicenseTokenResultSchema) }, ...redeemers }, async (req) =>
    ok(req, service.token(sys(req), req.query.auth_code, ctx(req.query))));

  app.get('/license/archive', {
    schema: { querystring: Type.Object({ ...redeemQueryProps, file_type: Type.Optional(Type.Literal('pdf')) }), ...answers(ArchiveResultSchema) },
    preHandler: [allow('counter', 'business'), limits.redemption],
  }, async (req) => {
    const src = service.archiveSource(sys(req), req.query.auth_code, req.query.show_sensitive_data, ctx(req.query));
    const pdf = await opts.renderPdf({ ...src, signer: opts.signer });
    return ok(req, { file_name: `${src.record.name}-${src.record.license_code}.pdf`, file_type: 'pdf', file_data: Buffer.from(pdf).toString('base64') });
  });

  // Extension for the mobile view page: the license_access_token is itself the capability.
  if (offers('license_by_token')) {
    app.get('/license/license_by_token', {
      schema: { querystring: Type.Object({ license_access_token: Str(128), request_id: RequestId }), ...answers(LicenseByTokenResultSchema) },
    }, async (req) => ok(req, service.licenseByToken(req.query.license_access_token)));
  }

  if (offers('revoke')) {
    app.post('/license/auth_code/revoke', {
      schema: { querystring: TokenQuery, body: Type.Object({ auth_code: Str(128), credential: Str(4096), request_id: RequestId }), ...answers(RevokeResultSchema) },
      preHandler: allow('holder'),
    }, async (req) => ok(req, await service.revoke(req.body)));
  }

  if (offers('uses')) {
    app.post('/license/auth_code/uses', {
      schema: { querystring: TokenQuery, body: Type.Object({ credential: Str(4096), request_id: RequestId }), ...answers(Type.Array(AuthCodeUseSchema)) },
      preHandler: allow('holder'),
    }, async (req) => ok(req, await service.uses(req.body.credential)));
  }

  if (offers('events')) await eventsRoute();

  async function eventsRoute(): Promise<void> {
    // Long-poll feed; waiters are released on shutdown so close() does not hang on them.
    const release = new Set<() => void>();
    app.addHook('preClose', async () => { for (const r of release) r(); });

    app.get('/license/auth_code/events', {
      schema: {
        querystring: Type.Object({ access_token: OptAccessToken, since: Type.Optional(Type.String({ pattern: '^(\\d{1,15})?$' })), wait: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_LONG_POLL_S })), request_id: RequestId }),
        ...answers(AuthCodeEventsResultSchema),
      },
      preHandler: allow(...ALL),
    }, async (req, reply) => {
      const appKey = sys(req).app_key;
      // Spec 6.6: `since` absent or empty starts at the current end of the feed.
      const since = req.query.since ? Number(req.query.since) : undefined;
      let result = service.eventsAfter(appKey, since);
      const wait = req.query.wait ?? 0;
      if (result.events.length === 0 && wait > 0) {
        await new Promise<void>((resolve) => {
          const event = `code-event:${appKey}`;
          const done = () => {
            clearTimeout(timer);
            service.events.off(event, done);
            req.raw.off('close', done);
            release.delete(done);
            resolve();
          };
          const timer = setTimeout(done, wait * 1000);
          service.events.on(event, done);
          req.raw.once('close', done);
          release.add(done);
        });
        if (reply.raw.destroyed) return reply;
        result = service.eventsAfter(appKey, result.next);
      }
      return ok(req, { events: result.events, next: String(result.next) }, { totalCount: result.events.length });
    });
  }

  // ---- 6.7 By-function verification ----

  app.post('/license/auth', {
    schema: {
      querystring: TokenQuery,
      body: Type.Object({
        identity_number: Str(400), service_item_code: Str(64), service_item_name: OptStr(200), biz_num: Str(64),
        page_index: Type.Optional(Type.Integer({ minimum: 1 })), page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        request_id: RequestId, operator: Operator,
      }),
      ...answers(Type.Array(LicenseRecordSchema)),
    },
    preHandler: allow('counter', 'business'),
  }, async (req) => {
    const { total, data, auth_codes } = service.byFunction(sys(req), req.body);
    return ok(req, data, { totalCount: total, extra: { auth_codes } });
  });
}
