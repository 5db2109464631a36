// IDP_* settings: which protocol the unified identity platform speaks, where it is, which of its
// fields carry the holder's identity, and what the BFF sends upstream as `credential`/`cas_no`.
// config.ts folds these into its one schema; the defaults per protocol are documented in
// README.md and .env.example.
import { Type, type Static } from 'typebox';

export type IdpProtocol = 'oidc' | 'oauth2' | 'cas';

const Url = Type.String({ pattern: '^https?://' });
const Field = Type.String({ minLength: 1, maxLength: 128 });

export const IdpEnvSchema = {
  IDP_PROTOCOL: Type.Optional(Type.Union([Type.Literal('oidc'), Type.Literal('oauth2'), Type.Literal('cas')])),
  IDP_ISSUER: Type.Optional(Url),
  IDP_CLIENT_ID: Type.Optional(Type.String({ minLength: 1 })),
  IDP_CLIENT_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  IDP_AUTHORIZE_URL: Type.Optional(Url),
  IDP_TOKEN_URL: Type.Optional(Url),
  IDP_USERINFO_URL: Type.Optional(Url),
  IDP_LOGOUT_URL: Type.Optional(Url),
  IDP_SCOPE: Type.Optional(Type.String({ maxLength: 512 })),
  IDP_PKCE: Type.Optional(Type.Union([Type.Literal('on'), Type.Literal('off')])),
  IDP_CLIENT_AUTH: Type.Optional(Type.Union([Type.Literal('basic'), Type.Literal('post')])),
  IDP_CAS_URL: Type.Optional(Url),
  IDP_CAS_FORMAT: Type.Optional(Type.Union([Type.Literal('xml'), Type.Literal('json')])),
  IDP_CLAIM_SUBJECT: Type.Optional(Field),
  IDP_CLAIM_NAME: Type.Optional(Field),
  IDP_CLAIM_IDENTITY_TYPE: Type.Optional(Field),
  IDP_CLAIM_IDENTITY_NUM: Type.Optional(Field),
  IDP_CLAIM_PHONE: Type.Optional(Field),
  IDP_CLAIM_ROLE: Type.Optional(Field),
  IDP_CLAIM_ORG_NAME: Type.Optional(Field),
  IDP_CLAIM_ORG_CODE: Type.Optional(Field),
  IDP_STAFF_ROLES: Type.Optional(Type.String({ minLength: 1 })),
  IDP_CREDENTIAL: Type.Optional(Type.String({ pattern: '^(access_token|id_token|attribute:[A-Za-z0-9_.:-]{1,128})$' })),
  IDP_CAS_NO: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' })),
  // Read by the BFF only for the embedded sandbox: which protocol its provider plays.
  SANDBOX_IDP_PROTOCOL: Type.Optional(Type.Union([Type.Literal('oidc'), Type.Literal('oauth2'), Type.Literal('cas')])),
};

type IdpEnv = Static<ReturnType<typeof Type.Object<typeof IdpEnvSchema>>>;

/** Which field of the platform's answer gives each part of the holder's identity. */
export interface ClaimMap {
  subject: string;
  name: string;
  identityType: string;
  identityNum: string;
  phone: string;
  role: string;
  orgName: string;
  orgCode: string;
}

/** Without these a session would hold half an identity: sign-in fails and names the missing one. */
export const MANDATORY_CLAIMS = ['subject', 'name', 'identityType', 'identityNum'] as const;

/** The standard claim names (OIDC userinfo) and the field names of platforms' own JSON / CAS attributes. */
export const DEFAULT_CLAIMS: Record<IdpProtocol, ClaimMap> = {
  oidc: {
    subject: 'sub', name: 'name', identityType: 'identity_type', identityNum: 'identity_num',
    phone: 'phone_number', role: 'role', orgName: 'org_name', orgCode: 'org_code',
  },
  oauth2: {
    subject: 'userId', name: 'userName', identityType: 'certType', identityNum: 'certNo',
    phone: 'mobile', role: 'userRole', orgName: 'orgName', orgCode: 'orgCode',
  },
  // CAS: the subject is the <cas:user> element unless IDP_CLAIM_SUBJECT names an attribute.
  cas: {
    subject: 'user', name: 'userName', identityType: 'certType', identityNum: 'certNo',
    phone: 'mobile', role: 'userRole', orgName: 'orgName', orgCode: 'orgCode',
  },
};

export interface IdpConfig {
  protocol: IdpProtocol;
  /** oidc: discovery base. oauth2: the `iss` a callback may carry (optional). cas: unused (''). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  clientAuth: 'basic' | 'post';
  /** oauth2 endpoints. */
  authorizeUrl: string;
  tokenUrl: string;
  userinfoUrl: string;
  /** Where the browser goes to end the platform's session (oauth2; cas derives `${casUrl}/logout`). */
  logoutUrl: string | null;
  scope: string;
  pkce: boolean;
  /** CAS server base, e.g. https://sso.example.gov.cn/cas. */
  casUrl: string;
  casFormat: 'xml' | 'json';
  claims: ClaimMap;
  staffRoles: string[];
  /** `access_token`, `id_token` (oidc) or `attribute:NAME` (a user-info field / CAS attribute). */
  credential: string;
  /** DB11/T 2290 6.6 `cas_no`: the type of login source the credential comes from. */
  casNo: string;
  /** The origin the browser is sent to for signing in (CSP form-action). */
  browserOrigin: string;
}

const REQUIRED: Record<IdpProtocol, Array<keyof IdpEnv>> = {
  oidc: ['IDP_ISSUER', 'IDP_CLIENT_ID', 'IDP_CLIENT_SECRET'],
  oauth2: ['IDP_AUTHORIZE_URL', 'IDP_TOKEN_URL', 'IDP_USERINFO_URL', 'IDP_CLIENT_ID', 'IDP_CLIENT_SECRET'],
  // A CAS ticket is single use, so there is no safe default for what is sent upstream.
  cas: ['IDP_CAS_URL', 'IDP_CREDENTIAL'],
};

/** Settings that mean nothing for a protocol: set anyway, they are a mistake worth one line. */
const FOREIGN: Record<IdpProtocol, Array<keyof IdpEnv>> = {
  oidc: ['IDP_AUTHORIZE_URL', 'IDP_TOKEN_URL', 'IDP_USERINFO_URL', 'IDP_LOGOUT_URL', 'IDP_CAS_URL', 'IDP_CAS_FORMAT'],
  oauth2: ['IDP_CAS_URL', 'IDP_CAS_FORMAT'],
  cas: ['IDP_ISSUER', 'IDP_CLIENT_ID', 'IDP_CLIENT_SECRET', 'IDP_AUTHORIZE_URL', 'IDP_TOKEN_URL', 'IDP_USERINFO_URL', 'IDP_SCOPE', 'IDP_PKCE', 'IDP_CLIENT_AUTH'],
};

/** The required IDP_* names that a production configuration for this protocol lacks. */
export function missingIdpSettings(env: IdpEnv): string[] {
  const protocol = env.IDP_PROTOCOL ?? 'oidc';
  return REQUIRED[protocol].filter((name) => env[name] === undefined);
}

/** A setting of another protocol, or undefined. */
export function foreignIdpSetting(env: IdpEnv): string | undefined {
  const protocol = env.IDP_PROTOCOL ?? 'oidc';
  return FOREIGN[protocol].find((name) => env[name] !== undefined);
}

const DEFAULT_CREDENTIAL: Record<IdpProtocol, string> = { oidc: 'access_token', oauth2: 'access_token', cas: 'attribute:token' };

function claimsFrom(env: IdpEnv, protocol: IdpProtocol): ClaimMap {
  const d = DEFAULT_CLAIMS[protocol];
  return {
    subject: env.IDP_CLAIM_SUBJECT ?? d.subject,
    name: env.IDP_CLAIM_NAME ?? d.name,
    identityType: env.IDP_CLAIM_IDENTITY_TYPE ?? d.identityType,
    identityNum: env.IDP_CLAIM_IDENTITY_NUM ?? d.identityNum,
    phone: env.IDP_CLAIM_PHONE ?? d.phone,
    role: env.IDP_CLAIM_ROLE ?? d.role,
    orgName: env.IDP_CLAIM_ORG_NAME ?? d.orgName,
    orgCode: env.IDP_CLAIM_ORG_CODE ?? d.orgCode,
  };
}

/** The dev client the embedded provider registers for the BFF (src/server.ts). */
export const EMBEDDED_CLIENT = { clientId: 'ecert-holder-bff', clientSecret: 'ecert-holder-bff-dev-secret' } as const;
/** The embedded provider's plain OAuth 2.0 scope and CAS mount (src/sandbox/idp-*.ts answer to these). */
export const EMBEDDED_OAUTH2_SCOPE = 'user_info';

/**
 * The identity platform settings. `embeddedIssuer` is set when the sandbox is mounted: every
 * address then points at it, in the protocol SANDBOX_IDP_PROTOCOL chose.
 */
export function resolveIdp(env: IdpEnv, embeddedIssuer: string | null): IdpConfig {
  const protocol: IdpProtocol = embeddedIssuer ? env.SANDBOX_IDP_PROTOCOL ?? 'oidc' : env.IDP_PROTOCOL ?? 'oidc';
  const base = embeddedIssuer ?? '';
  const embedded = (path: string): string => `${base}${path}`;
  const issuer = env.IDP_ISSUER ?? (embeddedIssuer && protocol !== 'cas' ? embeddedIssuer : '');
  const authorizeUrl = env.IDP_AUTHORIZE_URL ?? (embeddedIssuer ? embedded('/auth') : '');
  const casUrl = env.IDP_CAS_URL ?? (embeddedIssuer ? embedded('/cas') : '');
  const browserUrl = protocol === 'oidc' ? issuer : protocol === 'oauth2' ? authorizeUrl : casUrl;
  return {
    protocol,
    issuer,
    // The dev client's secret only ever for the embedded provider: never a default in production.
    clientId: env.IDP_CLIENT_ID ?? (embeddedIssuer ? EMBEDDED_CLIENT.clientId : ''),
    clientSecret: env.IDP_CLIENT_SECRET ?? (embeddedIssuer ? EMBEDDED_CLIENT.clientSecret : ''),
    clientAuth: env.IDP_CLIENT_AUTH ?? 'basic',
    authorizeUrl,
    tokenUrl: env.IDP_TOKEN_URL ?? (embeddedIssuer ? embedded('/token') : ''),
    userinfoUrl: env.IDP_USERINFO_URL ?? (embeddedIssuer ? embedded('/oauth2/userinfo') : ''),
    logoutUrl: env.IDP_LOGOUT_URL ?? (embeddedIssuer && protocol === 'oauth2' ? embedded('/session/end') : null),
    scope: env.IDP_SCOPE ?? (protocol === 'oidc' ? 'openid profile phone identity' : embeddedIssuer ? EMBEDDED_OAUTH2_SCOPE : ''),
    pkce: (env.IDP_PKCE ?? 'on') === 'on',
    casUrl,
    casFormat: env.IDP_CAS_FORMAT ?? 'xml',
    claims: claimsFrom(env, protocol),
    staffRoles: (env.IDP_STAFF_ROLES ?? 'counter_staff').split(/[\s,]+/).filter(Boolean),
    credential: env.IDP_CREDENTIAL ?? DEFAULT_CREDENTIAL[protocol],
    casNo: env.IDP_CAS_NO ?? protocol,
    browserOrigin: browserUrl ? new URL(browserUrl).origin : '',
  };
}
