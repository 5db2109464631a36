// The OpenID provider's own pages: the login form of an authorization request (oidc and plain
// OAuth 2.0 modes) and the implied first-party consent. Plain HTML forms, no script.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { Type } from 'typebox';
import { PASSWORD_MESSAGES, PASSWORD_STATUS, type AccountBook } from './idp-accounts.ts';
import { IDP_CSP, loginPage, messagePage } from './idp-views.ts';

export interface InteractionDeps {
  provider: Provider;
  accounts: AccountBook;
  mountPath: string;
  cssHref: string;
  clientNames: Map<string, string>;
}

export function htmlReply(reply: FastifyReply, status: number, body: string): void {
  void reply.code(status).header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', IDP_CSP).header('cache-control', 'no-store').send(body);
}

/** The form parser the login pages share: small bodies, plain fields. */
export function formParser(scope: FastifyInstance): void {
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8192 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}

export const LoginForm = Type.Object({ account: Type.Optional(Type.String({ maxLength: 256 })), password: Type.Optional(Type.String({ maxLength: 1024 })) });

export async function interactionRoutes(parent: FastifyInstance, deps: InteractionDeps): Promise<void> {
  const { provider, accounts, mountPath, cssHref, clientNames } = deps;
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();
  formParser(scope);

  // interactionFinished writes the redirect to the raw response itself.
  const finish = async (reply: FastifyReply, write: () => Promise<void>): Promise<void> => {
    reply.hijack();
    try {
      await write();
    } catch (err) {
      const status = err instanceof errors.SessionNotFound ? 400 : 500;
      if (status === 500) reply.log.error({ err: { name: (err as Error).name, message: (err as Error).message } }, 'idp interaction failed');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': IDP_CSP, 'cache-control': 'no-store' });
      }
      reply.raw.end(messagePage({ cssHref, title: '无法完成登录', message: '登录会话已失效或服务暂时不可用，请返回应用重新登录。' }));
    }
  };

  const expired = (reply: FastifyReply): void =>
    htmlReply(reply, 400, messagePage({ cssHref, title: '登录会话已失效', message: '登录页面已过期或不完整，请返回应用重新登录。' }));

  const uidParams = Type.Object({ uid: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });

  /** The interaction this browser is in, if it is still alive and is the one the URL names. */
  const interactionFor = async (req: IncomingMessage, res: ServerResponse, uid: string) => {
    try {
      const details = await provider.interactionDetails(req, res);
      return details.uid === uid ? details : null;
    } catch (err) {
      if (err instanceof errors.SessionNotFound) return null;
      throw err;
    }
  };

  scope.get('/interaction/:uid', { schema: { params: uidParams, response: { 200: Type.String(), 400: Type.String() } } }, async (req, reply) => {
    const details = await interactionFor(req.raw, reply.raw, req.params.uid);
    if (!details) return expired(reply);
    if (details.prompt.name === 'consent') {
      // Reached only if a grant could not be loaded; first-party consent is still implied.
      const grant = details.grantId
        ? (await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId: details.session?.accountId, clientId: String(details.params.client_id) })
        : new provider.Grant({ accountId: details.session?.accountId, clientId: String(details.params.client_id) });
      const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
      const grantId = await grant.save();
      await finish(reply, () => provider.interactionFinished(req.raw, reply.raw, { consent: { grantId } }, { mergeWithLastSubmission: true }));
      return;
    }
    return htmlReply(reply, 200, loginPage({
      cssHref,
      action: `${mountPath}/interaction/${details.uid}/login`,
      clientName: clientNames.get(String(details.params.client_id)) ?? '',
    }));
  });

  scope.post('/interaction/:uid/login', {
    schema: { params: uidParams, body: LoginForm, response: { 200: Type.String(), 400: Type.String(), 401: Type.String(), 429: Type.String() } },
  }, async (req, reply) => {
    const details = await interactionFor(req.raw, reply.raw, req.params.uid);
    if (!details || details.prompt.name !== 'login') return expired(reply);
    const account = (req.body.account ?? '').trim().toLowerCase();
    const checked = await accounts.check(account, req.body.password ?? '', req.ip);
    if (!checked.ok) {
      return htmlReply(reply, PASSWORD_STATUS[checked.reason], loginPage({
        cssHref, action: `${mountPath}/interaction/${details.uid}/login`, clientName: clientNames.get(String(details.params.client_id)) ?? '', account, error: PASSWORD_MESSAGES[checked.reason],
      }));
    }
    req.log.info({ sub: checked.row.account }, 'idp login');
    await finish(reply, () => provider.interactionFinished(req.raw, reply.raw, { login: { accountId: checked.row.account } }, { mergeWithLastSubmission: false }));
  });
}
