import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/bff/config.ts';
import { openBffDb } from '../../src/bff/store/db.ts';
import { newOpaqueId } from '../../src/bff/store/sessions.ts';
import { SqliteSessionStore as SessionStore } from '../../src/bff/store/sessions-sqlite.ts';
import { BffClient } from '../support/bff-client.ts';
import { startBffStack } from '../support/bff-stack.ts';

// Finding 9 (part): tokens and identity numbers were plain text in the BFF's SQLite. Now they are
// sealed with AES-256-GCM under BFF_DATA_KEY, or a key file the embedded default keeps beside the
// database (0600); rows from before are sealed at start-up.

const ZHANGSAN_ID = '110101199003071233';
const dir = mkdtempSync(join(tmpdir(), 'ecert-at-rest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every byte SQLite keeps for the file: the database and its write-ahead log. */
const bytesOf = (file: string) => Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)));

describe('the embedded default', () => {
  it('keeps no identity number, name or token readable in the file, and survives a restart', async () => {
    const file = join(dir, 'bff.sqlite');
    const first = await startBffStack({ env: { BFF_DB: file } });
    const holder = new BffClient(first.origin);
    await holder.login('zhangsan');
    const cookie = holder.jar.header();
    await first.close();

    const keyFile = `${file}.key`;
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const bytes = bytesOf(file);
    expect(bytes.includes(Buffer.from(ZHANGSAN_ID))).toBe(false);
    expect(bytes.includes(Buffer.from('张三'))).toBe(false);
    const db = new Database(file, { readonly: true });
    const row = db.prepare('SELECT name, identity_num, credential, refresh_token, id_token FROM sessions').get() as Record<string, string | null>;
    db.close();
    for (const v of Object.values(row)) if (v !== null) expect(v).toMatch(/^enc1:/);

    // Same file, same key file: the holder is still signed in after a restart.
    const second = await startBffStack({ env: { BFF_DB: file } });
    try {
      const res = await fetch(`${second.origin}/api/session`, { headers: { cookie } });
      expect(res.status).toBe(200);
      expect(await res.text()).not.toContain(ZHANGSAN_ID);
    } finally {
      await second.close();
    }
  });
});

describe('the session store', () => {
  const identity = { sub: 'u1', name: '张三', identityType: '111', identityNum: ZHANGSAN_ID, role: 'citizen' as const };
  const timeouts = { idleSeconds: 600, absoluteSeconds: 3600 };

  it('seals rows written before sealing existed, and still finds their sessions', async () => {
    const file = join(dir, 'legacy.sqlite');
    const key = randomBytes(32);
    const old = openBffDb(file, key);
    new SessionStore(old, timeouts);
    const cookie = newOpaqueId();
    const now = Date.now();
    old.prepare(`INSERT INTO sessions (id, sub, name, identity_type, identity_num, role, credential, credential_expires_at, refresh_token,
      csrf_token, created_at, last_seen_at, idle_expires_at, absolute_expires_at) VALUES (?, 'u1', '张三', '111', ?, 'citizen', 'plain-access-token', ?, 'plain-refresh', 'csrf', ?, ?, ?, ?)`)
      .run(SessionStore.idOf(cookie), ZHANGSAN_ID, now + 600_000, now, now, now + 600_000, now + 3_600_000);
    old.close();

    const db = openBffDb(file, key);
    const store = new SessionStore(db, timeouts);
    const raw = db.prepare('SELECT identity_num, credential, refresh_token FROM sessions').get() as Record<string, string>;
    expect(Object.values(raw).every((v) => v.startsWith('enc1:'))).toBe(true);
    expect(await store.find(cookie)).toMatchObject({ identityNum: ZHANGSAN_ID, credential: 'plain-access-token' });
    expect(await store.secrets(SessionStore.idOf(cookie))).toEqual({ refreshToken: 'plain-refresh', idToken: null });
    db.close();
  });

  it('ends a session sealed under another key instead of failing the request', async () => {
    const file = join(dir, 'rekeyed.sqlite');
    const a = openBffDb(file, randomBytes(32));
    const { cookieValue } = await new SessionStore(a, timeouts).create(identity, { credential: 'tok', credentialExpiresAt: Date.now() + 60_000 });
    a.close();
    const b = openBffDb(file, randomBytes(32));
    const store = new SessionStore(b, timeouts);
    expect(await store.find(cookieValue)).toBeNull();
    expect((b.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n).toBe(0);
    b.close();
  });

  it('uses BFF_DATA_KEY when set, and refuses a malformed one with one line', () => {
    const key = randomBytes(32).toString('base64');
    expect(loadConfig({ BFF_DATA_KEY: key }).dataKey?.toString('base64')).toBe(key);
    expect(() => loadConfig({ BFF_DATA_KEY: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ BFF_DATA_KEY: 'short' })).toThrow(/BFF_DATA_KEY=\(hidden\)/);
    const file = join(dir, 'configured.sqlite');
    openBffDb(file, Buffer.from(key, 'base64')).close();
    expect(existsSync(`${file}.key`)).toBe(false);
  });
});
