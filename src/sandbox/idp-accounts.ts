// The development identity provider's people: accounts with scrypt passwords, their claims, the
// provider's persisted keys and secrets, and the lockout after repeated wrong passwords.
import { randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { DEMO_PASSWORD, DEMO_PEOPLE } from './demo-data.ts';
import { ensureIdpSchema } from './idp-adapter.ts';

export interface AccountRow {
  account: string;
  password_hash: string;
  name: string;
  identity_type: string;
  identity_num: string;
  phone: string | null;
  role: 'citizen' | 'counter_staff';
  org_name: string | null;
  org_code: string | null;
}

export const IDENTITY_CLAIMS = ['identity_type', 'identity_num', 'role', 'org_name', 'org_code'] as const;

/** The OIDC claims of an account (userinfo, introspection). */
export function claimsOf(row: AccountRow): Record<string, string | boolean | undefined> {
  return {
    sub: row.account,
    name: row.name,
    phone_number: row.phone ?? undefined,
    phone_number_verified: row.phone ? true : undefined,
    identity_type: row.identity_type,
    identity_num: row.identity_num,
    role: row.role,
    org_name: row.org_name ?? undefined,
    org_code: row.org_code ?? undefined,
  };
}

/**
 * The same person in the field names provincial platforms use in their own JSON and CAS
 * attributes (certNo, userName...), so the BFF's claim mapping is exercised for real.
 */
export function platformFieldsOf(row: AccountRow): Record<string, string> {
  return {
    userId: row.account,
    userName: row.name,
    certType: row.identity_type,
    certNo: row.identity_num,
    userRole: row.role,
    ...(row.phone ? { mobile: row.phone } : {}),
    ...(row.org_name ? { orgName: row.org_name } : {}),
    ...(row.org_code ? { orgCode: row.org_code } : {}),
  };
}

// ---- password hashing (scrypt, per-account salt) ----

const SCRYPT: ScryptOptions = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

function scrypt(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize('NFKC'), salt, 32, SCRYPT, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, , , , salt, key] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

// ---- persistent state: accounts, keys, secrets ----

export function ensureAccountSchema(db: Database): void {
  ensureIdpSchema(db);
  db.exec(`
    CREATE TABLE IF NOT EXISTS idp_config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS idp_account (
      account TEXT PRIMARY KEY,
      password_hash TEXT NOT NULL,
      name TEXT NOT NULL,
      identity_type TEXT NOT NULL,
      identity_num TEXT NOT NULL,
      phone TEXT,
      role TEXT NOT NULL CHECK (role IN ('citizen', 'counter_staff')),
      org_name TEXT,
      org_code TEXT
    );
    DROP TABLE IF EXISTS idp_login_failure;
    CREATE TABLE IF NOT EXISTS idp_login_failures (account TEXT NOT NULL, address TEXT NOT NULL, at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS idp_login_failures_key ON idp_login_failures (account, address, at);
  `);
}

/** Reads a persisted value, creating it once; the first writer wins when two instances race. */
export function configValue(db: Database, key: string, create: () => string): string {
  db.prepare('INSERT OR IGNORE INTO idp_config (key, value) VALUES (?, ?)').run(key, create());
  const row = db.prepare<[string], { value: string }>('SELECT value FROM idp_config WHERE key = ?').get(key);
  if (!row) throw new Error(`idp config ${key} missing`);
  return row.value;
}

export async function seedAccounts(db: Database): Promise<void> {
  const exists = db.prepare<[string], { account: string }>('SELECT account FROM idp_account WHERE account = ?');
  const insert = db.prepare(`INSERT OR IGNORE INTO idp_account
    (account, password_hash, name, identity_type, identity_num, phone, role, org_name, org_code)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const p of DEMO_PEOPLE) {
    if (exists.get(p.account)) continue;
    const hash = await hashPassword(DEMO_PASSWORD);
    insert.run(p.account, hash, p.name, p.identityType, p.identityNum, p.phone, p.role, p.orgName ?? null, p.orgCode ?? null);
  }
}

const MAX_FAILURES = 10;
export const FAILURE_WINDOW_S = 15 * 60;

export type PasswordCheck = { ok: true; row: AccountRow } | { ok: false; reason: 'missing' | 'locked' | 'wrong' };

/**
 * Accounts and the password check with its lockout. Ten wrong passwords lock an account for
 * 15 minutes from that one address only: someone guessing elsewhere cannot lock its holder out.
 */
export class AccountBook {
  readonly #find;
  readonly #failures;
  readonly #record;
  readonly #clear;
  readonly #purge;
  /** Compared against when the account does not exist: an unknown account costs a wrong password's time. */
  #dummyHash: Promise<string> | undefined;

  constructor(db: Database) {
    this.#find = db.prepare<[string], AccountRow>('SELECT * FROM idp_account WHERE account = ?');
    this.#failures = db.prepare<[string, string, number], { n: number }>('SELECT count(*) AS n FROM idp_login_failures WHERE account = ? AND address = ? AND at > ?');
    this.#record = db.prepare('INSERT INTO idp_login_failures (account, address, at) VALUES (?, ?, ?)');
    this.#clear = db.prepare('DELETE FROM idp_login_failures WHERE (account = ? AND address = ?) OR at < ?');
    this.#purge = db.prepare('DELETE FROM idp_login_failures WHERE at < ?');
  }

  find(account: string): AccountRow | undefined {
    return this.#find.get(account);
  }

  async check(accountInput: string, password: string, address: string): Promise<PasswordCheck> {
    const account = accountInput.trim().toLowerCase();
    if (!account || !password) return { ok: false, reason: 'missing' };
    const now = Math.floor(Date.now() / 1000);
    if ((this.#failures.get(account, address, now - FAILURE_WINDOW_S)?.n ?? 0) >= MAX_FAILURES) return { ok: false, reason: 'locked' };
    const row = this.find(account);
    this.#dummyHash ??= hashPassword(randomUUID());
    const ok = await verifyPassword(password, row?.password_hash ?? await this.#dummyHash);
    if (!row || !ok) {
      this.#record.run(account, address, now);
      return { ok: false, reason: 'wrong' };
    }
    this.#clear.run(account, address, now - FAILURE_WINDOW_S);
    return { ok: true, row };
  }

  purgeFailures(): void {
    this.#purge.run(Math.floor(Date.now() / 1000) - FAILURE_WINDOW_S);
  }
}

/** What the login pages say for each refusal. */
export const PASSWORD_MESSAGES = {
  missing: '请输入账号和密码。',
  locked: '登录失败次数过多，该账号已暂时锁定，请 15 分钟后再试。',
  wrong: '账号或密码错误，请重新输入。',
} as const;
export const PASSWORD_STATUS = { missing: 400, locked: 429, wrong: 401 } as const;
