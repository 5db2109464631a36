import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LicenseRecord } from '../../src/contract/upstream.ts';
import { createSigner } from '../../src/sandbox/crypto.ts';
import { openSandboxDb, type SandboxDb } from '../../src/sandbox/db.ts';
import { LICENSE_ITEM, seedSandbox } from '../../src/sandbox/seed.ts';

// The demo data a citizen sees first: each certificate's dates must tell one story, and its
// number must be the one printed on the document.

const NOW = Date.parse('2026-12-02T09:00:00+08:00');
let db: SandboxDb;
let records: LicenseRecord[];

beforeAll(async () => {
  db = openSandboxDb(':memory:');
  await seedSandbox({ db, signer: await createSigner(db), clock: () => NOW });
  records = db.prepare<[], { record: string }>('SELECT record FROM licenses').all().map((r) => JSON.parse(r.record) as LicenseRecord);
});
afterAll(() => db.close());

const today = '2026-12-02';
const of = (item: string, status = 'ISSUED') => records.filter((r) => r.license_item_code === item && r.license_status === status);

describe('the seeded certificates', () => {
  it('are each issued on their first valid day, before they expire and not in the future', () => {
    expect(records).toHaveLength(9);
    for (const r of records) {
      expect(r.issue_date, r.name).toBe(r.begin_date);
      expect(r.data_fields.FZRQ, r.name).toBe(r.issue_date);
      expect(r.issue_date! <= today, r.name).toBe(true);
      if (r.expiry_date) expect(r.issue_date! < r.expiry_date, r.name).toBe(true);
    }
  });

  it('give the expired proof three months of validity that ended 30 days ago, and the licence 20 days left', () => {
    const [proof] = of(LICENSE_ITEM.noCriminalRecord);
    expect(proof).toMatchObject({ issue_date: '2026-08-04', expiry_date: '2026-11-02' });
    const [licence] = of(LICENSE_ITEM.drivingLicence);
    expect(licence!.expiry_date).toBe('2026-12-22');
  });

  it('carry the number printed on the document, not the service identifier', () => {
    const numbers = records.filter((r) => !r.correlative_license || r.license_status === 'ABOLISHED').map((r) => [r.id_code, r.data_fields.ZZHM]);
    for (const [idCode, zzhm] of numbers) {
      expect(zzhm).toBe(idCode);
      expect(idCode).not.toMatch(/^1\.2\.156\./);
    }
    expect(of(LICENSE_ITEM.realEstate, 'ABOLISHED')[0]!.id_code).toBe('京(2020)东城区不动产权第0012345号');
    expect(of(LICENSE_ITEM.marriage).map((r) => r.id_code).sort()).toEqual(['J110101-2018-001234', 'J110101-2018-001235']);
  });

  it('change a real-estate certificate on the day of the change, with the new 不动产权证号 of that year', () => {
    const [successor] = of(LICENSE_ITEM.realEstate);
    expect(successor).toMatchObject({ issue_date: '2026-10-03', begin_date: '2026-10-03' });
    expect(successor!.data_fields.BDCQZH).toBe('京(2026)东城区不动产权第0034567号');
  });
});
