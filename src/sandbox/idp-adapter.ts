import type { Database, Statement } from 'better-sqlite3';
import type { Adapter, AdapterPayload } from 'oidc-provider';

// oidc-provider's storage contract on SQLite: every model (Session, Grant, AccessToken,
// Client, Interaction, ...) in one table keyed by (model, id), with the secondary lookups the
// provider needs (grant id for revocation, session uid, device user code).

export function ensureIdpSchema(db: Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS idp_model (
      model TEXT NOT NULL,
      id TEXT NOT NULL,
      payload TEXT NOT NULL,
      grant_id TEXT,
      uid TEXT,
      user_code TEXT,
      expires_at INTEGER,
      PRIMARY KEY (model, id)
    );
    CREATE INDEX IF NOT EXISTS idp_model_grant ON idp_model (grant_id) WHERE grant_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS idp_model_uid ON idp_model (model, uid) WHERE uid IS NOT NULL;
    CREATE INDEX IF NOT EXISTS idp_model_user_code ON idp_model (model, user_code) WHERE user_code IS NOT NULL;
    CREATE INDEX IF NOT EXISTS idp_model_expiry ON idp_model (expires_at) WHERE expires_at IS NOT NULL;
  `);
}

// Models whose instances belong to a grant and die with it (revocation, logout).
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

interface Row { payload: string; expires_at: number | null }

interface Statements {
  upsert: Statement<[string, string, string, string | null, string | null, string | null, number | null]>;
  find: Statement<[string, string], Row>;
  findByUid: Statement<[string, string], Row>;
  findByUserCode: Statement<[string, string], Row>;
  destroy: Statement<[string, string]>;
  revokeByGrantId: Statement<[string]>;
  purge: Statement<[number]>;
}

const statementCache = new WeakMap<Database, Statements>();

function statements(db: Database): Statements {
  let s = statementCache.get(db);
  if (!s) {
    s = {
      upsert: db.prepare(`INSERT INTO idp_model (model, id, payload, grant_id, uid, user_code, expires_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
          uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at`),
      find: db.prepare('SELECT payload, expires_at FROM idp_model WHERE model = ? AND id = ?'),
      findByUid: db.prepare('SELECT payload, expires_at FROM idp_model WHERE model = ? AND uid = ?'),
      findByUserCode: db.prepare('SELECT payload, expires_at FROM idp_model WHERE model = ? AND user_code = ?'),
      destroy: db.prepare('DELETE FROM idp_model WHERE model = ? AND id = ?'),
      revokeByGrantId: db.prepare('DELETE FROM idp_model WHERE grant_id = ?'),
      purge: db.prepare('DELETE FROM idp_model WHERE expires_at IS NOT NULL AND expires_at < ?'),
    };
    statementCache.set(db, s);
  }
  return s;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function live(row: Row | undefined): AdapterPayload | undefined {
  if (!row) return undefined;
  // An expired row must read as absent even before the purge removes it.
  if (row.expires_at !== null && row.expires_at <= nowSeconds()) return undefined;
  return JSON.parse(row.payload) as AdapterPayload;
}

/** Removes expired rows; the idp calls it periodically. */
export function purgeExpired(db: Database): number {
  return statements(db).purge.run(nowSeconds()).changes;
}

export class SqliteAdapter implements Adapter {
  readonly #db: Database;
  readonly #model: string;

  constructor(db: Database, model: string) {
    this.#db = db;
    this.#model = model;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const grantId = GRANTABLE.has(this.#model) && typeof payload.grantId === 'string' ? payload.grantId : null;
    const uid = this.#model === 'Session' && typeof payload.uid === 'string' ? payload.uid : null;
    const userCode = typeof payload.userCode === 'string' ? payload.userCode : null;
    const expiresAt = expiresIn ? nowSeconds() + expiresIn : null;
    statements(this.#db).upsert.run(this.#model, id, JSON.stringify(payload), grantId, uid, userCode, expiresAt);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return live(statements(this.#db).find.get(this.#model, id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return live(statements(this.#db).findByUid.get(this.#model, uid));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return live(statements(this.#db).findByUserCode.get(this.#model, userCode));
  }

  async consume(id: string): Promise<void> {
    const { find, upsert } = statements(this.#db);
    // Read-modify-write in one transaction so two token requests cannot both see an unconsumed code.
    this.#db.transaction(() => {
      const row = find.get(this.#model, id);
      if (!row) return;
      const payload = JSON.parse(row.payload) as AdapterPayload;
      payload.consumed = nowSeconds();
      upsert.run(
        this.#model, id, JSON.stringify(payload),
        GRANTABLE.has(this.#model) && typeof payload.grantId === 'string' ? payload.grantId : null,
        this.#model === 'Session' && typeof payload.uid === 'string' ? payload.uid : null,
        typeof payload.userCode === 'string' ? payload.userCode : null,
        row.expires_at,
      );
    })();
  }

  async destroy(id: string): Promise<void> {
    statements(this.#db).destroy.run(this.#model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    statements(this.#db).revokeByGrantId.run(grantId);
  }
}
