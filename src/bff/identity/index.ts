// The identity adapter for IDP_PROTOCOL: the only place that knows there are three.
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';
import { CasAdapter } from './cas.ts';
import { OAuth2Adapter } from './oauth2.ts';
import { OidcAdapter } from './oidc.ts';
import type { IdentityAdapter } from './types.ts';

export const CALLBACK_PATH = '/auth/callback';

export function createIdentityAdapter(config: Config, log: FastifyBaseLogger): IdentityAdapter {
  const callback = `${config.publicOrigin}${CALLBACK_PATH}`;
  switch (config.idp.protocol) {
    case 'oauth2':
      return new OAuth2Adapter(config.idp, callback, log);
    case 'cas':
      return new CasAdapter(config.idp, callback, config.session.absoluteSeconds, log);
    default:
      return new OidcAdapter(config.idp, callback, log);
  }
}

export { LoginFailedError, type IdentityAdapter, type LoginErrorCode, type LoginResult } from './types.ts';
