import Database from 'better-sqlite3';

// One SQLite file holds the whole sandbox (service, identity provider, signing key), so a
// restart keeps everything. Migrations are numbered and applied once each, in order.

export type SandboxDb = Database.Database;

type Migration = string | ((db: SandboxDb) => void);

const MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE access_systems (
    app_key TEXT PRIMARY KEY,
    app_secret TEXT NOT NULL,
    account TEXT NOT NULL,
    password TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('holder', 'counter', 'issuer', 'business')),
    name TEXT NOT NULL,
    org_name TEXT NOT NULL,
    org_code TEXT NOT NULL,
    division TEXT NOT NULL,
    division_code TEXT NOT NULL
  );
  CREATE TABLE sessions (
    token TEXT PRIMARY KEY,
    app_key TEXT NOT NULL REFERENCES access_systems(app_key),
    account TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    logged_out_at INTEGER
  );
  CREATE TABLE catalogue (
    license_item_code TEXT PRIMARY KEY,
    admin_org_code TEXT NOT NULL,
    seq INTEGER NOT NULL,
    entry TEXT NOT NULL
  );
  CREATE TABLE service_items (
    service_item_code TEXT PRIMARY KEY,
    org_code TEXT NOT NULL,
    type INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    license_item_codes TEXT NOT NULL
  );
  CREATE INDEX service_items_org ON service_items(org_code);
  CREATE TABLE licenses (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    license_code TEXT NOT NULL UNIQUE,
    license_item_code TEXT NOT NULL,
    id_code TEXT NOT NULL,
    holder_identity_num TEXT NOT NULL,
    license_status TEXT NOT NULL,
    record TEXT NOT NULL
  );
  CREATE INDEX licenses_id_code ON licenses(license_item_code, id_code);
  CREATE TABLE license_holders (
    license_code TEXT NOT NULL,
    identity_num TEXT NOT NULL,
    PRIMARY KEY (identity_num, license_code)
  ) WITHOUT ROWID;
  CREATE TABLE attachments (
    attachment_code TEXT PRIMARY KEY,
    license_code TEXT NOT NULL,
    name TEXT NOT NULL,
    file_type TEXT NOT NULL,
    file_data BLOB NOT NULL,
    is_license_image INTEGER NOT NULL,
    description TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE auth_codes (
    auth_code TEXT PRIMARY KEY,
    license_code TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('holder', 'by_function', 'issuer')),
    minted_by TEXT NOT NULL,
    holder_identity_num TEXT,
    service_item_code TEXT,
    service_item_name TEXT,
    biz_num TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    bound_to TEXT,
    revoked_at INTEGER
  );
  CREATE INDEX auth_codes_license ON auth_codes(license_code);
  CREATE TABLE redemptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    auth_code TEXT NOT NULL,
    license_code TEXT NOT NULL,
    app_key TEXT NOT NULL,
    interface TEXT NOT NULL,
    operator_name TEXT,
    biz_num TEXT,
    time INTEGER NOT NULL
  );
  CREATE INDEX redemptions_code ON redemptions(auth_code);
  CREATE TABLE code_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    minted_by TEXT NOT NULL,
    event TEXT NOT NULL
  );
  CREATE INDEX code_events_minter ON code_events(minted_by, id);
  CREATE TABLE license_tokens (
    token TEXT PRIMARY KEY,
    license_code TEXT NOT NULL,
    auth_code TEXT NOT NULL,
    app_key TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE nonces (
    app_key TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (app_key, nonce)
  ) WITHOUT ROWID;
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time INTEGER NOT NULL,
    app_key TEXT NOT NULL,
    interface TEXT NOT NULL,
    service_item_code TEXT,
    biz_num TEXT,
    operator TEXT,
    detail TEXT
  );
  CREATE TABLE sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  // Minimum-necessary extension: per accepted catalogue entry, the face fields a service item
  // receives (JSON object; NULL = all shown fields). Checked first so a database that already
  // has the column (an earlier build of this migration) opens too.
  (db) => {
    const cols = db.prepare<[], { name: string }>('PRAGMA table_info(service_items)').all();
    if (!cols.some((c) => c.name === 'data_item_keys')) db.exec('ALTER TABLE service_items ADD COLUMN data_item_keys TEXT');
  },
];

export function openSandboxDb(file: string): SandboxDb {
  const db = new Database(file);
  if (file !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec('CREATE TABLE IF NOT EXISTS license_app_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = new Set(
    db.prepare<[], { version: number }>('SELECT version FROM license_app_migrations').all().map((r) => r.version),
  );
  MIGRATIONS.forEach((migration, i) => {
    const version = i + 1;
    if (applied.has(version)) return;
    db.transaction(() => {
      if (typeof migration === 'string') db.exec(migration);
      else migration(db);
      db.prepare('INSERT INTO license_app_migrations (version, applied_at) VALUES (?, ?)').run(version, new Date().toISOString());
    })();
  });
  return db;
}
