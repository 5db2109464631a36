// Loading settings: the README promises that a bad setting stops start-up with one line naming it.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/bff/config.ts';

const PRODUCTION = {
  UPSTREAM_URL: 'https://share.example.gov.cn/license-app/v1',
  UPSTREAM_APP_KEY: 'k', UPSTREAM_APP_SECRET: 's', UPSTREAM_ACCOUNT: 'a', UPSTREAM_PASSWORD: 'p',
  COUNTER_UPSTREAM_APP_KEY: 'ck', COUNTER_UPSTREAM_APP_SECRET: 'cs', COUNTER_UPSTREAM_ACCOUNT: 'ca', COUNTER_UPSTREAM_PASSWORD: 'cp',
  IDP_ISSUER: 'https://idp.example.gov.cn', IDP_CLIENT_ID: 'c', IDP_CLIENT_SECRET: 'x',
};

describe('loadConfig', () => {
  it('starts with no settings at all: the embedded sandbox on port 8080', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, publicOrigin: 'http://localhost:8080', sandbox: { enabled: true } });
    expect(c.upstream.timeoutMs).toBe(8000);
    expect(c.upstream.holderCodeTtlSeconds).toBe(300);
  });

  it('keeps the upstream code life with a real upstream too: it drives production behaviour, not the sandbox', () => {
    const c = loadConfig({ ...PRODUCTION, HOLDER_CODE_TTL_SECONDS: '600' });
    expect(c.sandbox.enabled).toBe(false);
    expect(c.upstream.holderCodeTtlSeconds).toBe(600);
    expect(c.authorisation.defaultSeconds).toBe(600);
  });

  it.each([
    ['PORT', '3000', (c: ReturnType<typeof loadConfig>) => c.port, 3000],
    ['PORT', ' 3000 ', (c: ReturnType<typeof loadConfig>) => c.port, 3000],
    ['UPSTREAM_TIMEOUT_MS', '2500', (c: ReturnType<typeof loadConfig>) => c.upstream.timeoutMs, 2500],
    ['SESSION_IDLE_SECONDS', '600', (c: ReturnType<typeof loadConfig>) => c.session.idleSeconds, 600],
    ['HOLDER_CODE_TTL_SECONDS', '120', (c: ReturnType<typeof loadConfig>) => c.upstream.holderCodeTtlSeconds, 120],
  ])('reads %s=%j as a whole number', (name, raw, read, expected) => {
    expect(read(loadConfig({ [name]: raw }))).toBe(expected);
  });

  it.each([
    ['PORT', '1.5'],
    ['PORT', '0x50'],
    ['PORT', '1e3'],
    ['PORT', '70000'],
    ['PORT', 'eighty'],
    ['UPSTREAM_TIMEOUT_MS', '50'],
    ['HOLDER_CODE_TTL_SECONDS', '10'],
    ['LOG_LEVEL', 'loud'],
    ['PUBLIC_ORIGIN', 'localhost:8080'],
  ])('stops on %s=%j with one line naming the setting', (name, raw) => {
    let caught: unknown;
    try {
      loadConfig({ [name]: raw });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as Error).message;
    expect(message).toContain(`Invalid setting ${name}=`);
    expect(message).not.toContain('\n');
  });

  it('stops on an unknown setting under its own prefixes (a typo), and ignores others', () => {
    expect(() => loadConfig({ SESSION_IDLE_SECOND: '600' })).toThrow(/Unknown setting SESSION_IDLE_SECOND/);
    expect(() => loadConfig({ SOMEONE_ELSES: 'x' })).not.toThrow();
  });

  it('never prints a secret it refuses', () => {
    expect(() => loadConfig({ BFF_DATA_KEY: 'not-a-key-but-a-secret' })).toThrow(ConfigError);
    try {
      loadConfig({ BFF_DATA_KEY: 'not-a-key-but-a-secret' });
    } catch (err) {
      expect((err as Error).message).not.toContain('not-a-key-but-a-secret');
    }
  });

  it('takes DATABASE_URL and REDIS_URL together or not at all, with one line naming the missing one', () => {
    expect(loadConfig({}).databaseUrl).toBeNull();
    const both = loadConfig({ DATABASE_URL: 'postgres://bff:pw@db:5432/ecert', REDIS_URL: 'redis://cache:6379' });
    expect(both.databaseUrl).toBe('postgres://bff:pw@db:5432/ecert');
    expect(() => loadConfig({ DATABASE_URL: 'postgres://bff:pw@db:5432/ecert' })).toThrow(/^DATABASE_URL is set without REDIS_URL: [^\n]+$/);
    expect(() => loadConfig({ REDIS_URL: 'redis://cache:6379' })).toThrow(/^REDIS_URL is set without DATABASE_URL: [^\n]+$/);
    // A malformed URL is named, its password never printed.
    try {
      loadConfig({ DATABASE_URL: 'mysql://bff:hunter2@db/ecert', REDIS_URL: 'redis://cache:6379' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/^Invalid setting DATABASE_URL=\(hidden\)/);
      expect((err as Error).message).not.toContain('hunter2');
    }
  });

  it('reads an empty value as unset', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(8080);
  });
});
