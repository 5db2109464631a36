// The provider as a plain OAuth 2.0 platform (SANDBOX_IDP_PROTOCOL=oauth2): the client asks for
// the platform scope without `openid`, so the token endpoint issues no ID token, and the holder's
// identity comes from this user-info endpoint in the platform's own field names (certNo,
// userName...), not OIDC claims.
import type { FastifyInstance } from 'fastify';
import type Provider from 'oidc-provider';
import { Type } from 'typebox';
import { platformFieldsOf, type AccountBook } from './idp-accounts.ts';

/** The one scope a platform client asks for: everything about the holder. */
export const PLATFORM_SCOPE = 'user_info';

const UserInfo = Type.Object({
  userId: Type.String(), userName: Type.String(), certType: Type.String(), certNo: Type.String(), userRole: Type.String(),
  mobile: Type.Optional(Type.String()), orgName: Type.Optional(Type.String()), orgCode: Type.Optional(Type.String()),
});
const Refusal = Type.Object({ error: Type.String(), error_description: Type.String() });

export async function oauth2Routes(app: FastifyInstance, deps: { provider: Provider; accounts: AccountBook }): Promise<void> {
  app.get('/oauth2/userinfo', {
    schema: {
      headers: Type.Object({ authorization: Type.Optional(Type.String({ maxLength: 4200 })) }),
      response: { 200: UserInfo, 401: Refusal },
    },
  }, async (req, reply) => {
    void reply.header('cache-control', 'no-store');
    const refuse = () => reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"')
      .send({ error: 'invalid_token', error_description: 'access token invalid, expired or without the user_info scope' });
    const match = /^Bearer ([\x21-\x7e]{16,4096})$/.exec(req.headers.authorization ?? '');
    if (!match?.[1]) return refuse();
    const token = await deps.provider.AccessToken.find(match[1]);
    if (!token || token.isExpired || !token.accountId || !String(token.scope ?? '').split(' ').includes(PLATFORM_SCOPE)) return refuse();
    const row = deps.accounts.find(token.accountId);
    if (!row) return refuse();
    return platformFieldsOf(row);
  });
}
