// The provider as a CAS 3.0 ticket platform (SANDBOX_IDP_PROTOCOL=cas): /cas/login?service=
// with its own single sign-on cookie, one-time service tickets validated at
// /cas/p3/serviceValidate (XML attributes, or JSON with format=JSON), and /cas/logout with the
// back-channel single logout POSTed to every service the sign-on session reached. A validated
// ticket is spent, so the answer carries a back-end token (attribute `token`) that the sharing
// service can introspect like any access token of this provider.
import { createHash, randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type Provider from 'oidc-provider';
import { Type } from 'typebox';
import { PASSWORD_MESSAGES, PASSWORD_STATUS, platformFieldsOf, type AccountBook } from './idp-accounts.ts';
import { SqliteAdapter } from './idp-adapter.ts';
import { formParser, htmlReply, LoginForm } from './idp-interactions.ts';
import { PLATFORM_SCOPE } from './idp-oauth2.ts';
import type { IdpClient } from './idp.ts';
import { loginPage, messagePage } from './idp-views.ts';

export interface CasDeps {
  provider: Provider;
  accounts: AccountBook;
  db: Database;
  mountPath: string;
  cssHref: string;
  clients: IdpClient[];
  clientNames: Map<string, string>;
  /** Seconds the single sign-on session (and the back-end token) lives. */
  sessionTtl: number;
}

const TICKET_SECONDS = 60;
const LOGIN_SECONDS = 30 * 60;
const TGC = 'CASTGC';
const LOGIN_COOKIE = 'cas_login';

const random = (): string => randomBytes(32).toString('base64url');
const hash = (v: string): string => createHash('sha256').update(v).digest('hex');
const now = (): number => Math.floor(Date.now() / 1000);

function ensureCasSchema(db: Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS cas_login (id TEXT PRIMARY KEY, service TEXT NOT NULL, expires_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS cas_tgt (id TEXT PRIMARY KEY, account TEXT NOT NULL, expires_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS cas_ticket (
      id TEXT PRIMARY KEY, tgt TEXT NOT NULL, account TEXT NOT NULL, service TEXT NOT NULL, client_id TEXT NOT NULL,
      grant_id TEXT, consumed INTEGER NOT NULL DEFAULT 0, expires_at INTEGER NOT NULL, tgt_expires_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS cas_ticket_tgt ON cas_ticket (tgt);
  `);
}

interface TicketRow { id: string; tgt: string; account: string; service: string; client_id: string; grant_id: string | null; consumed: number; expires_at: number }

const xml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function successXml(user: string, attributes: Record<string, string>): string {
  const attrs = Object.entries(attributes).map(([k, v]) => `      <cas:${k}>${xml(v)}</cas:${k}>`).join('\n');
  return `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationSuccess>
    <cas:user>${xml(user)}</cas:user>
    <cas:attributes>
${attrs}
    </cas:attributes>
  </cas:authenticationSuccess>
</cas:serviceResponse>`;
}

function failureXml(code: string, description: string): string {
  return `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationFailure code="${code}">${xml(description)}</cas:authenticationFailure>
</cas:serviceResponse>`;
}

function logoutRequestXml(ticket: string): string {
  return `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-${randomBytes(12).toString('hex')}" Version="2.0" IssueInstant="${new Date().toISOString()}"><saml:NameID>@NOT_USED@</saml:NameID><samlp:SessionIndex>${xml(ticket)}</samlp:SessionIndex></samlp:LogoutRequest>`;
}

export async function casRoutes(parent: FastifyInstance, deps: CasDeps): Promise<void> {
  const { provider, accounts, db, mountPath, cssHref } = deps;
  ensureCasSchema(db);
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();
  formParser(scope);
  const secure = new URL(provider.issuer).protocol === 'https:';
  const cookiePath = `${mountPath}/cas`;
  const q = {
    putLogin: db.prepare('INSERT INTO cas_login (id, service, expires_at) VALUES (?, ?, ?)'),
    takeLogin: db.prepare<[string, number], { service: string }>('DELETE FROM cas_login WHERE id = ? AND expires_at > ? RETURNING service'),
    findLogin: db.prepare<[string, number], { service: string }>('SELECT service FROM cas_login WHERE id = ? AND expires_at > ?'),
    putTgt: db.prepare('INSERT INTO cas_tgt (id, account, expires_at) VALUES (?, ?, ?)'),
    findTgt: db.prepare<[string, number], { account: string; expires_at: number }>('SELECT account, expires_at FROM cas_tgt WHERE id = ? AND expires_at > ?'),
    dropTgt: db.prepare('DELETE FROM cas_tgt WHERE id = ?'),
    putTicket: db.prepare('INSERT INTO cas_ticket (id, tgt, account, service, client_id, expires_at, tgt_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    findTicket: db.prepare<[string], TicketRow>('SELECT * FROM cas_ticket WHERE id = ?'),
    spendTicket: db.prepare('UPDATE cas_ticket SET consumed = 1 WHERE id = ? AND consumed = 0'),
    setGrant: db.prepare('UPDATE cas_ticket SET grant_id = ? WHERE id = ?'),
    ticketsOf: db.prepare<[string], TicketRow>('SELECT * FROM cas_ticket WHERE tgt = ?'),
    dropTickets: db.prepare('DELETE FROM cas_ticket WHERE tgt = ?'),
    purgeTickets: db.prepare('DELETE FROM cas_ticket WHERE tgt_expires_at <= ?'),
    purgeLogins: db.prepare('DELETE FROM cas_login WHERE expires_at <= ?'),
    purgeTgts: db.prepare('DELETE FROM cas_tgt WHERE expires_at <= ?'),
  };
  const purge = (): void => {
    const t = now();
    q.purgeTickets.run(t);
    q.purgeLogins.run(t);
    q.purgeTgts.run(t);
  };

  /** The registered client a service URL belongs to (its origin and path equal a redirect URI). */
  const clientOf = (service: string | undefined): IdpClient | undefined => {
    if (!service) return undefined;
    let url: URL;
    try {
      url = new URL(service);
    } catch {
      return undefined;
    }
    const base = `${url.origin}${url.pathname}`;
    return deps.clients.find((c) => c.redirect_uris.includes(base));
  };

  const cookie = (name: string, value: string, maxAge: number): string =>
    `${name}=${value}; Path=${cookiePath}; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;

  const issueTicket = (reply: FastifyReply, tgt: string, account: string, tgtExpiresAt: number, service: string, client: IdpClient): FastifyReply => {
    const ticket = `ST-${random()}`;
    q.putTicket.run(ticket, tgt, account, service, client.client_id, now() + TICKET_SECONDS, tgtExpiresAt);
    const back = new URL(service);
    back.searchParams.set('ticket', ticket);
    return reply.code(303).header('cache-control', 'no-store').redirect(back.href);
  };

  const badService = (reply: FastifyReply): void =>
    htmlReply(reply, 400, messagePage({ cssHref, title: '无法完成登录', message: '发起登录的应用未在统一身份认证平台登记，请返回应用重新登录。' }));

  const renderLogin = (reply: FastifyReply, status: number, txn: string, service: string, account?: string, error?: string): void => {
    const client = clientOf(service);
    htmlReply(reply, status, loginPage({
      cssHref, action: `${cookiePath}/login/${txn}`, clientName: client ? deps.clientNames.get(client.client_id) ?? '' : '', ...(account ? { account } : {}), ...(error ? { error } : {}),
    }));
  };

  scope.get('/cas/login', {
    schema: { querystring: Type.Object({ service: Type.Optional(Type.String({ maxLength: 2048 })), renew: Type.Optional(Type.String({ maxLength: 8 })) }) },
  }, async (req, reply) => {
    const service = req.query.service;
    const client = clientOf(service);
    if (!service || !client) return badService(reply);
    const tgt = cookieValue(req.headers.cookie, TGC);
    const sso = tgt && req.query.renew !== 'true' ? q.findTgt.get(hash(tgt), now()) : undefined;
    if (tgt && sso) return issueTicket(reply, hash(tgt), sso.account, sso.expires_at, service, client);
    purge();
    const txn = random();
    q.putLogin.run(txn, service, now() + LOGIN_SECONDS);
    void reply.header('set-cookie', cookie(LOGIN_COOKIE, txn, LOGIN_SECONDS));
    return renderLogin(reply, 200, txn, service);
  });

  scope.post('/cas/login/:txn', {
    schema: { params: Type.Object({ txn: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) }), body: LoginForm },
  }, async (req, reply) => {
    const { txn } = req.params;
    const login = q.findLogin.get(txn, now());
    // Bound to the browser that opened the page: nobody can post their own account into another's.
    if (!login || cookieValue(req.headers.cookie, LOGIN_COOKIE) !== txn) {
      return htmlReply(reply, 400, messagePage({ cssHref, title: '登录会话已失效', message: '登录页面已过期或不完整，请返回应用重新登录。' }));
    }
    const account = (req.body.account ?? '').trim().toLowerCase();
    const checked = await accounts.check(account, req.body.password ?? '', req.ip);
    if (!checked.ok) return renderLogin(reply, PASSWORD_STATUS[checked.reason], txn, login.service, account, PASSWORD_MESSAGES[checked.reason]);
    const client = clientOf(login.service);
    if (!q.takeLogin.get(txn, now()) || !client) return badService(reply);
    const tgt = random();
    const expiresAt = now() + deps.sessionTtl;
    q.putTgt.run(hash(tgt), checked.row.account, expiresAt);
    req.log.info({ sub: checked.row.account }, 'cas login');
    void reply.header('set-cookie', [cookie(TGC, tgt, deps.sessionTtl), cookie(LOGIN_COOKIE, '', 0)]);
    return issueTicket(reply, hash(tgt), checked.row.account, expiresAt, login.service, client);
  });

  /** The back-end token for this sign-in: an access token of the platform scope, introspectable. */
  const mintToken = async (ticket: TicketRow): Promise<string> => {
    const client = await provider.Client.find(ticket.client_id);
    if (!client) throw new Error('cas client vanished');
    const grant = new provider.Grant({ accountId: ticket.account, clientId: ticket.client_id });
    grant.addOIDCScope(PLATFORM_SCOPE);
    const grantId = await grant.save();
    q.setGrant.run(grantId, ticket.id);
    const token = new provider.AccessToken({ accountId: ticket.account, client, grantId, scope: PLATFORM_SCOPE, gty: 'cas' });
    return token.save();
  };

  scope.get('/cas/p3/serviceValidate', {
    schema: {
      querystring: Type.Object({
        service: Type.Optional(Type.String({ maxLength: 2048 })),
        ticket: Type.Optional(Type.String({ maxLength: 512 })),
        format: Type.Optional(Type.String({ maxLength: 8 })),
      }),
    },
  }, async (req, reply) => {
    const json = req.query.format?.toUpperCase() === 'JSON';
    void reply.header('cache-control', 'no-store');
    const fail = (code: string, description: string) => (json
      ? reply.type('application/json; charset=utf-8').send(JSON.stringify({ serviceResponse: { authenticationFailure: { code, description } } }))
      : reply.type('application/xml; charset=utf-8').send(failureXml(code, description)));
    const { service, ticket } = req.query;
    if (!service || !ticket) return fail('INVALID_REQUEST', 'service and ticket are required');
    // Spent on first sight, whatever the outcome (CAS 3.0 3.1.1).
    const row = q.findTicket.get(ticket);
    if (!row || q.spendTicket.run(ticket).changes !== 1 || row.expires_at <= now()) return fail('INVALID_TICKET', `Ticket ${ticket.slice(0, 64)} not recognized`);
    if (row.service !== service) return fail('INVALID_SERVICE', 'Ticket was issued for another service');
    const person = accounts.find(row.account);
    if (!person) return fail('INVALID_TICKET', 'Account no longer exists');
    const attributes = { ...platformFieldsOf(person), token: await mintToken(row) };
    if (json) {
      return reply.type('application/json; charset=utf-8')
        .send(JSON.stringify({ serviceResponse: { authenticationSuccess: { user: person.account, attributes } } }));
    }
    return reply.type('application/xml; charset=utf-8').send(successXml(person.account, attributes));
  });

  scope.get('/cas/logout', {
    schema: { querystring: Type.Object({ service: Type.Optional(Type.String({ maxLength: 2048 })) }) },
  }, async (req, reply) => {
    const tgt = cookieValue(req.headers.cookie, TGC);
    if (tgt) await endSignOn(hash(tgt), req.log);
    void reply.header('set-cookie', cookie(TGC, '', 0)).header('cache-control', 'no-store');
    const service = req.query.service;
    if (service && deps.clients.some((c) => (c.post_logout_redirect_uris ?? []).includes(service))) return reply.code(303).redirect(service);
    return htmlReply(reply, 200, messagePage({ cssHref, title: '已退出登录', message: '您已安全退出统一身份认证平台，可以关闭本页面。' }));
  });

  /** Ends the sign-on: every service it reached hears of it, and its back-end tokens die. */
  async function endSignOn(tgtHash: string, log: FastifyInstance['log']): Promise<void> {
    const tickets = q.ticketsOf.all(tgtHash);
    q.dropTgt.run(tgtHash);
    q.dropTickets.run(tgtHash);
    const grants = new SqliteAdapter(db, 'Grant');
    const tokens = new SqliteAdapter(db, 'AccessToken');
    for (const t of tickets) {
      if (t.grant_id) {
        await tokens.revokeByGrantId(t.grant_id);
        await grants.destroy(t.grant_id);
      }
    }
    await Promise.allSettled(tickets.filter((t) => t.consumed).map(async (t) => {
      try {
        await fetch(t.service, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ logoutRequest: logoutRequestXml(t.id) }),
          signal: AbortSignal.timeout(3000),
          redirect: 'manual',
        });
      } catch (err) {
        log.warn({ err: { name: (err as Error).name } }, 'cas single logout not delivered');
      }
    }));
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}
