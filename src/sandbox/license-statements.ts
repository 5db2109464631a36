// Every SQL statement of the sandbox license service, prepared once per database.
import type { AuthCodeOrigin, RedemptionInterface } from '../contract/upstream.ts';
import type Database from 'better-sqlite3';
import type { SandboxDb } from './db.ts';
import type { AccessSystem, AuthCodeRow, ServiceItemRow } from './license-records.ts';

/** One redemption of a holder's certificate, with its code, record and redeemer. */
interface UseRow {
  auth_code: string; license_code: string; origin: AuthCodeOrigin; service_item_code: string | null; service_item_name: string | null;
  app_key: string; interface: RedemptionInterface; operator_name: string | null; biz_num: string | null; time: number;
  record: string; system_name: string; org_name: string; org_code: string;
}

/** A prepared statement; spelt out so the emitted declarations can name every type. */
type S<P extends unknown[] = unknown[], R = unknown> = Database.Statement<P, R>;

export interface Statements {
  systemByKey: S<[string], AccessSystem & { password: string }>;
  insertSystem: S;
  insertSession: S;
  sessionByToken: S<[string], { app_key: string; expires_at: number; logged_out_at: number | null }>;
  logout: S;
  catalogueAll: S<[], { entry: string }>;
  catalogueOne: S<[string], { entry: string }>;
  insertCatalogue: S;
  itemsByOrg: S<[string], ServiceItemRow>;
  itemByCode: S<[string], ServiceItemRow>;
  insertItem: S;
  licenseByCode: S<[string], { record: string }>;
  licenseByIdCode: S<[string, string], { record: string }>;
  insertLicense: S;
  updateLicense: S;
  deleteLicense: S;
  deleteHolders: S;
  insertHolder: S;
  licensesOfHolder: S<[string], { record: string }>;
  nextSerial: S<[], { n: number }>;
  insertAttachment: S;
  deleteAttachments: S;
  insertCode: S;
  codeByCode: S<[string], AuthCodeRow>;
  bindCode: S;
  revokeCode: S;
  deleteCodes: S;
  insertRedemption: S;
  usesOfHolder: S<[string], UseRow>;
  insertEvent: S;
  eventsAfter: S<[string, number], { id: number; event: string }>;
  lastEventId: S<[], { id: number }>;
  insertLicenseToken: S;
  licenseToken: S<[string], { license_code: string; app_key: string; expires_at: number }>;
  insertAudit: S;
  insertNonce: S;
  nonceGet: S<[string, string], { expires_at: number }>;
  purgeNonces: S;
  metaGet: S<[string], { value: string }>;
  metaSet: S;
}

export function prepareStatements(db: SandboxDb): Statements {
  return {
    systemByKey: db.prepare<[string], AccessSystem & { password: string }>('SELECT * FROM access_systems WHERE app_key = ?'),
    insertSystem: db.prepare(`INSERT OR REPLACE INTO access_systems (app_key, app_secret, account, password, kind, name, org_name, org_code, division, division_code)
      VALUES (@app_key, @app_secret, @account, @password, @kind, @name, @org_name, @org_code, @division, @division_code)`),
    insertSession: db.prepare('INSERT INTO sessions (token, app_key, account, created_at, expires_at) VALUES (?, ?, ?, ?, ?)'),
    sessionByToken: db.prepare<[string], { app_key: string; expires_at: number; logged_out_at: number | null }>(
      'SELECT app_key, expires_at, logged_out_at FROM sessions WHERE token = ?'),
    logout: db.prepare('UPDATE sessions SET logged_out_at = ? WHERE token = ? AND logged_out_at IS NULL'),
    catalogueAll: db.prepare<[], { entry: string }>('SELECT entry FROM catalogue ORDER BY seq'),
    catalogueOne: db.prepare<[string], { entry: string }>('SELECT entry FROM catalogue WHERE license_item_code = ?'),
    insertCatalogue: db.prepare('INSERT OR REPLACE INTO catalogue (license_item_code, admin_org_code, seq, entry) VALUES (?, ?, ?, ?)'),
    itemsByOrg: db.prepare<[string], ServiceItemRow>(
      'SELECT service_item_code, name, org_code, license_item_codes, data_item_keys FROM service_items WHERE org_code = ? ORDER BY service_item_code'),
    itemByCode: db.prepare<[string], ServiceItemRow>(
      'SELECT service_item_code, name, org_code, license_item_codes, data_item_keys FROM service_items WHERE service_item_code = ?'),
    insertItem: db.prepare('INSERT OR REPLACE INTO service_items (service_item_code, org_code, type, name, license_item_codes, data_item_keys) VALUES (?, ?, 0, ?, ?, ?)'),
    licenseByCode: db.prepare<[string], { record: string }>('SELECT record FROM licenses WHERE license_code = ?'),
    licenseByIdCode: db.prepare<[string, string], { record: string }>('SELECT record FROM licenses WHERE license_item_code = ? AND id_code = ?'),
    insertLicense: db.prepare('INSERT INTO licenses (license_code, license_item_code, id_code, holder_identity_num, license_status, record) VALUES (?, ?, ?, ?, ?, ?)'),
    updateLicense: db.prepare('UPDATE licenses SET id_code = ?, holder_identity_num = ?, license_status = ?, record = ? WHERE license_code = ?'),
    deleteLicense: db.prepare('DELETE FROM licenses WHERE license_code = ?'),
    deleteHolders: db.prepare('DELETE FROM license_holders WHERE license_code = ?'),
    insertHolder: db.prepare('INSERT OR IGNORE INTO license_holders (license_code, identity_num) VALUES (?, ?)'),
    licensesOfHolder: db.prepare<[string], { record: string }>(
      `SELECT l.record FROM license_holders h JOIN licenses l ON l.license_code = h.license_code
       WHERE h.identity_num = ? ORDER BY l.seq`),
    nextSerial: db.prepare<[], { n: number }>("SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM licenses"),
    insertAttachment: db.prepare(`INSERT INTO attachments (attachment_code, license_code, name, file_type, file_data, is_license_image, description, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    deleteAttachments: db.prepare('DELETE FROM attachments WHERE license_code = ?'),
    insertCode: db.prepare(`INSERT INTO auth_codes (auth_code, license_code, origin, minted_by, holder_identity_num, service_item_code, service_item_name, biz_num, created_at, expires_at, bound_to)
      VALUES (@auth_code, @license_code, @origin, @minted_by, @holder_identity_num, @service_item_code, @service_item_name, @biz_num, @created_at, @expires_at, @bound_to)`),
    codeByCode: db.prepare<[string], AuthCodeRow>('SELECT * FROM auth_codes WHERE auth_code = ?'),
    bindCode: db.prepare('UPDATE auth_codes SET bound_to = ? WHERE auth_code = ? AND bound_to IS NULL'),
    revokeCode: db.prepare('UPDATE auth_codes SET revoked_at = ? WHERE auth_code = ? AND revoked_at IS NULL'),
    deleteCodes: db.prepare('DELETE FROM auth_codes WHERE license_code = ?'),
    insertRedemption: db.prepare('INSERT INTO redemptions (auth_code, license_code, app_key, interface, operator_name, biz_num, time) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    usesOfHolder: db.prepare<[string], UseRow>(`SELECT r.auth_code, r.license_code, c.origin, c.service_item_code, c.service_item_name, r.app_key, r.interface,
             r.operator_name, r.biz_num, r.time, l.record, s.name AS system_name, s.org_name, s.org_code
        FROM license_holders h
        JOIN redemptions r ON r.license_code = h.license_code
        JOIN auth_codes c ON c.auth_code = r.auth_code
        JOIN licenses l ON l.license_code = r.license_code
        JOIN access_systems s ON s.app_key = r.app_key
       WHERE h.identity_num = ?
       ORDER BY r.id DESC`),
    insertEvent: db.prepare('INSERT INTO code_events (minted_by, event) VALUES (?, ?)'),
    eventsAfter: db.prepare<[string, number], { id: number; event: string }>(
      'SELECT id, event FROM code_events WHERE minted_by = ? AND id > ? ORDER BY id LIMIT 500'),
    lastEventId: db.prepare<[], { id: number }>('SELECT COALESCE(MAX(id), 0) AS id FROM code_events'),
    insertLicenseToken: db.prepare('INSERT INTO license_tokens (token, license_code, auth_code, app_key, expires_at) VALUES (?, ?, ?, ?, ?)'),
    licenseToken: db.prepare<[string], { license_code: string; app_key: string; expires_at: number }>(
      'SELECT license_code, app_key, expires_at FROM license_tokens WHERE token = ?'),
    insertAudit: db.prepare('INSERT INTO audit_log (time, app_key, interface, service_item_code, biz_num, operator, detail) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    insertNonce: db.prepare('INSERT OR REPLACE INTO nonces (app_key, nonce, expires_at) VALUES (?, ?, ?)'),
    nonceGet: db.prepare<[string, string], { expires_at: number }>('SELECT expires_at FROM nonces WHERE app_key = ? AND nonce = ?'),
    purgeNonces: db.prepare('DELETE FROM nonces WHERE expires_at < ?'),
    metaGet: db.prepare<[string], { value: string }>('SELECT value FROM sandbox_meta WHERE key = ?'),
    metaSet: db.prepare('INSERT OR REPLACE INTO sandbox_meta (key, value) VALUES (?, ?)'),
  };
}
