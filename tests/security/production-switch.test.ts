import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/bff/config.ts';
import { startApp, type RunningApp } from '../support/e2e.ts';

// Issue 10, finding 2: with UPSTREAM_URL set and IDP_ISSUER unset, the sandbox's provider (with
// demo counter staff) was mounted beside the real service, and the counter credentials defaulted
// to the demo secret. Now the switch is all or nothing.

const UPSTREAM = {
  UPSTREAM_URL: 'https://share.example.gov.cn/license-app/v1',
  UPSTREAM_APP_KEY: 'holder-app', UPSTREAM_APP_SECRET: 'holder-secret', UPSTREAM_ACCOUNT: 'holder', UPSTREAM_PASSWORD: 'holder-pass',
  COUNTER_UPSTREAM_APP_KEY: 'counter-app', COUNTER_UPSTREAM_APP_SECRET: 'counter-secret', COUNTER_UPSTREAM_ACCOUNT: 'counter', COUNTER_UPSTREAM_PASSWORD: 'counter-pass',
};
const OIDC = { IDP_ISSUER: 'https://idp.example.gov.cn', IDP_CLIENT_ID: 'ecert', IDP_CLIENT_SECRET: 'ecert-secret' };
const OAUTH2 = {
  IDP_PROTOCOL: 'oauth2', IDP_AUTHORIZE_URL: 'https://sso.example.gov.cn/oauth/authorize', IDP_TOKEN_URL: 'https://sso.example.gov.cn/oauth/token',
  IDP_USERINFO_URL: 'https://sso.example.gov.cn/oauth/userinfo', IDP_CLIENT_ID: 'ecert', IDP_CLIENT_SECRET: 'ecert-secret',
};
const CAS = { IDP_PROTOCOL: 'cas', IDP_CAS_URL: 'https://sso.example.gov.cn/cas', IDP_CREDENTIAL: 'attribute:token' };

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('start-up was not stopped');
}

describe('the production switch is all or nothing', () => {
  it('runs the embedded sandbox with no UPSTREAM_*/IDP_* at all (tuning knobs allowed)', () => {
    expect(loadConfig({}).sandbox.enabled).toBe(true);
    expect(loadConfig({ UPSTREAM_TIMEOUT_MS: '3000', UPSTREAM_SIGNING: 'sm3', SANDBOX_IDP_PROTOCOL: 'cas' }).sandbox).toMatchObject({ enabled: true, idpProtocol: 'cas' });
  });

  it.each([
    ['the finding: upstream set, identity platform not', { ...UPSTREAM }, ['IDP_ISSUER', 'IDP_CLIENT_ID', 'IDP_CLIENT_SECRET']],
    ['identity platform set, upstream not', { ...OIDC }, Object.keys(UPSTREAM)],
    ['counter credentials left to the demo default', { ...UPSTREAM, ...OIDC, COUNTER_UPSTREAM_PASSWORD: '' }, ['COUNTER_UPSTREAM_PASSWORD']],
    ['one stray IDP_ setting', { IDP_CLIENT_ID: 'x' }, ['UPSTREAM_URL', 'IDP_ISSUER', 'IDP_CLIENT_SECRET']],
    ['oauth2 without its endpoints', { ...UPSTREAM, IDP_PROTOCOL: 'oauth2', IDP_CLIENT_ID: 'c', IDP_CLIENT_SECRET: 's' }, ['IDP_AUTHORIZE_URL', 'IDP_TOKEN_URL', 'IDP_USERINFO_URL']],
    ['cas without the designated credential', { ...UPSTREAM, IDP_PROTOCOL: 'cas', IDP_CAS_URL: 'https://sso.example.gov.cn/cas' }, ['IDP_CREDENTIAL']],
  ])('stops start-up when %s, in one line naming what is missing', (_what, env, missing) => {
    const message = refusal(env as Record<string, string>);
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^Incomplete production settings: /);
    for (const name of missing) expect(message).toContain(name);
  });

  it.each([
    ['oidc', { ...UPSTREAM, ...OIDC }],
    ['oauth2', { ...UPSTREAM, ...OAUTH2 }],
    ['cas', { ...UPSTREAM, ...CAS }],
  ])('accepts a complete %s configuration and keeps the sandbox out', (protocol, env) => {
    const config = loadConfig(env);
    expect(config.sandbox.enabled).toBe(false);
    expect(config.idp.protocol).toBe(protocol);
    expect(config.upstream.counter).toEqual({ appKey: 'counter-app', appSecret: 'counter-secret', account: 'counter', password: 'counter-pass' });
    // Nothing of the embedded provider leaks into a real configuration.
    expect(JSON.stringify(config.idp)).not.toMatch(/sandbox|dev-secret|127\.0\.0\.1|localhost/);
  });

  it('refuses a setting of another protocol and a credential the protocol does not have', () => {
    expect(refusal({ ...UPSTREAM, ...OIDC, IDP_CAS_URL: 'https://sso.example.gov.cn/cas' })).toContain('IDP_CAS_URL does not apply to IDP_PROTOCOL=oidc');
    expect(refusal({ ...UPSTREAM, ...CAS, IDP_CREDENTIAL: 'access_token' })).toContain('IDP_CREDENTIAL');
    expect(refusal({ ...UPSTREAM, ...OAUTH2, IDP_CREDENTIAL: 'id_token' })).toContain('IDP_CREDENTIAL');
  });

  it('the real start-up exits with that one line and a non-zero code', () => {
    const env = { ...process.env, ...UPSTREAM, PORT: '0' };
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts', '--check-config'], { env, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ecert-holder: Incomplete production settings: IDP_ISSUER, IDP_CLIENT_ID, IDP_CLIENT_SECRET missing/);
    expect(run.stdout).not.toContain('Embedded sandbox');
  });
});

describe('a complete production configuration never loads the sandbox', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ ...UPSTREAM, ...OIDC, UPSTREAM_URL: 'http://127.0.0.1:9/license-app/v1', IDP_ISSUER: 'http://127.0.0.1:9/idp' });
  }, 90_000);
  afterAll(async () => {
    await app?.stop();
  });

  it('has no demo identity provider and no demo sharing service to answer', async () => {
    for (const path of ['/sandbox/idp/.well-known/openid-configuration', '/sandbox/idp/interaction/x', '/sandbox/license-app/v1/security/login']) {
      const res = await fetch(`${app.origin}${path}`);
      expect(res.status).toBe(404);
    }
  });
});
