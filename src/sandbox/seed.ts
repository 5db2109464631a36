import Fastify from 'fastify';
import type { CreateLicenseResult, DataFields, Envelope, Operator } from '../contract/upstream.ts';
import { licenseAppPlugin, type LicenseAppOptions } from './app.ts';
import { DEMO_ISSUER_ORG, DEMO_SERVICE_ITEMS, LICENSE_ITEM, SERVICE_ITEM, demoCatalogue } from './catalogue-data.ts';
import { DEMO_ACCESS_SYSTEMS, DEMO_PEOPLE } from './demo-data.ts';
import type { LicenseService } from './license-service.ts';
import { formatDate, formatTimestamp } from './wire.ts';

// First-start demo data. Access systems, catalogue and service items have no write interface in
// the standard and are stored directly; every certificate is made through the issuer interfaces
// (login → create → sign, change), exactly as an issuing agency would.

export { LICENSE_ITEM, SERVICE_ITEM, DEMO_SERVICE_ITEMS };

const SEEDED_KEY = 'seeded_at';
const DAY = 86_400_000;

const ZHANGSAN = DEMO_PEOPLE.find((p) => p.account === 'zhangsan')!;
const LISI = DEMO_PEOPLE.find((p) => p.account === 'lisi')!;
const ISSUER = DEMO_ACCESS_SYSTEMS.find((s) => s.kind === 'issuer')!;

const OPERATOR: Operator = {
  account: ISSUER.account, name: '颁证员演示', identity_num: '', role: 'issuer', service_org: ISSUER.orgName,
  service_org_code: ISSUER.orgCode, division: ISSUER.division, division_code: ISSUER.divisionCode,
};

/** What each demo holder ends up holding; docs/demo-data.md lists the same. */
export const DEMO_HOLDINGS = {
  zhangsan: [
    { item: LICENSE_ITEM.householdRegister, state: 'ISSUED, long-term' },
    { item: LICENSE_ITEM.marriage, state: 'ISSUED, long-term' },
    { item: LICENSE_ITEM.drivingLicence, state: 'ISSUED, expires in 20 days' },
    { item: LICENSE_ITEM.realEstate, state: 'ABOLISHED, replaced by a change' },
    { item: LICENSE_ITEM.realEstate, state: 'ISSUED, the change of the above' },
    { item: LICENSE_ITEM.noCriminalRecord, state: 'ISSUED, expired 30 days ago' },
    { item: LICENSE_ITEM.diploma, state: 'ISSUED, long-term' },
  ],
  lisi: [
    { item: LICENSE_ITEM.marriage, state: 'ISSUED, long-term' },
    { item: LICENSE_ITEM.diploma, state: 'ISSUED, long-term' },
  ],
  wangwu: [],
} as const;

export interface SeedOptions {
  db: LicenseAppOptions['db'];
  signer: LicenseAppOptions['signer'];
  clock?: () => number;
}

/** Seeds an empty sandbox database once; later calls do nothing. Returns whether it seeded. */
export async function seedSandbox(opts: SeedOptions): Promise<boolean> {
  const clock = opts.clock ?? Date.now;
  // The issuing agency made each certificate on its own day: the private instance's clock is set
  // to that day before each one, so its issue date (FZRQ, issue_date) and its validity agree.
  let at = clock();
  let service: LicenseService | undefined;
  // A private, never-listening instance on the same database: the seed calls the real routes.
  const app = Fastify({ logger: false });
  await app.register(licenseAppPlugin, {
    db: opts.db, signer: opts.signer, clock: () => at, prefix: '/v1',
    verifyCredential: async () => null,
    renderPdf: async () => { throw new Error('the seed archives nothing'); },
    onReady: (s) => { service = s; },
  } as LicenseAppOptions & { prefix: string });
  await app.ready();
  try {
    if (!service) throw new Error('license-app did not start');
    const svc = service;
    if (svc.getMeta(SEEDED_KEY)) {
      // Service items have no write interface: refreshing them brings a database seeded by an
      // earlier build up to the current demo choices (data_item_keys). Certificates stay as they are.
      opts.db.transaction(() => { for (const item of DEMO_SERVICE_ITEMS) svc.putServiceItem(item); })();
      return false;
    }
    const nowText = formatTimestamp(clock());
    opts.db.transaction(() => {
      for (const s of DEMO_ACCESS_SYSTEMS) {
        svc.putAccessSystem({ app_key: s.appKey, app_secret: s.appSecret, account: s.account, password: s.password, kind: s.kind,
          name: s.name, org_name: s.orgName, org_code: s.orgCode, division: s.division, division_code: s.divisionCode });
      }
      demoCatalogue(nowText).forEach((entry, i) => svc.putCatalogueEntry(entry, i + 1));
      for (const item of DEMO_SERVICE_ITEMS) svc.putServiceItem(item);
    })();

    const call = async <T>(url: string, body: unknown): Promise<T> => {
      const res = await app.inject({ method: 'POST', url, payload: body as Record<string, unknown> });
      const env = res.json() as Envelope<T>;
      if (env.ack_code !== 'SUCCESS') throw new Error(`seed call ${url.split('?')[0]} failed: ${JSON.stringify(env.errors)}`);
      return (url.includes('/security/login') ? env : env.data) as T;
    };
    const login = await call<Envelope<null>>('/v1/security/login', { app_key: ISSUER.appKey, app_secret: ISSUER.appSecret, account: ISSUER.account, password: ISSUER.password });
    const q = `?access_token=${login.access_token}`;
    const today = clock();
    const day = (offset: number) => formatDate(today + offset * DAY);
    /** 10:00 Beijing time on a `YYYY-MM-DD` day: when the agency's clerk issued it. */
    const onDay = (date: string) => { at = Date.parse(`${date}T10:00:00+08:00`); };
    const year = (date: string) => date.slice(0, 4);
    const issue = async (item: string, holder: { name: string; identityNum: string }, p: { number: string; begin: string; expiry?: string; fields: DataFields; bizNum: string }) => {
      onDay(p.begin);
      const created = await call<CreateLicenseResult>(`/v1/license/${item}/create${q}`, { data: {
        service_item_code: SERVICE_ITEM.certificateProduction, service_item_name: '电子证照制发', biz_num: p.bizNum, id_code: p.number,
        holder_name: holder.name, holder_identity_type: '111', holder_identity_num: holder.identityNum,
        begin_date: p.begin, expiry_date: p.expiry, data_fields: p.fields, operator: OPERATOR,
      } });
      await call(`/v1/license/${item}/sign${q}`, { data: { license_code: created.license_code, service_item_code: SERVICE_ITEM.certificateProduction, service_item_name: '电子证照制发', operator: OPERATOR } });
      return created.license_code;
    };
    const zs = { name: ZHANGSAN.name, identityNum: ZHANGSAN.identityNum };
    const ls = { name: LISI.name, identityNum: LISI.identityNum };
    const homeAddress = '北京市东城区景山街道景山东街12号院3号楼2单元501';

    // Each certificate carries the number printed on the document (ZZHM, id_code), in the form
    // that document uses; the 1.2.156… identifier is a machine's business, not the holder's.
    const householdIssued = day(-3 * 365);
    await issue(LICENSE_ITEM.householdRegister, zs, { number: '110101012345', begin: householdIssued, bizNum: 'HJ2023000101', fields: {
      HH: '110101012345', HZXM: '张三', YHZGX: '户主', XB: '男', MZ: '汉族', CSRQ: '1990-03-07', ZZ: homeAddress,
    } });
    await issue(LICENSE_ITEM.marriage, zs, { number: 'J110101-2018-001234', begin: '2018-05-20', bizNum: 'HY2018052001', fields: {
      DJRQ: '2018-05-20', POXM: '李四', POSFZJHM: LISI.identityNum, DJJG: '北京市东城区民政局婚姻登记处',
    } });
    await issue(LICENSE_ITEM.marriage, ls, { number: 'J110101-2018-001235', begin: '2018-05-20', bizNum: 'HY2018052002', fields: {
      DJRQ: '2018-05-20', POXM: '张三', POSFZJHM: ZHANGSAN.identityNum, DJJG: '北京市东城区民政局婚姻登记处',
    } });
    // A driving licence's number is its holder's identity number (the catalogue marks it sensitive);
    // six years' validity, ending in 20 days.
    await issue(LICENSE_ITEM.drivingLicence, zs, { number: ZHANGSAN.identityNum, begin: day(20 - 6 * 365), expiry: day(20), bizNum: 'JSZ2020000321', fields: {
      XB: '男', GJ: '中国', CSRQ: '1990-03-07', ZZ: homeAddress, CCLZRQ: '2014-06-18', ZJCX: 'C1', DABH: '110100345678',
    } });
    const realEstate = await issue(LICENSE_ITEM.realEstate, zs, { number: '京(2020)东城区不动产权第0012345号', begin: '2020-08-01', bizNum: 'BDC2020080112', fields: {
      BDCQZH: '京(2020)东城区不动产权第0012345号', GYQK: '单独所有', ZL: '北京市东城区和平里东街9号院2号楼1单元302', BDCDYH: '110101001001GB00012F00020032',
      QLLX: '国有建设用地使用权/房屋所有权', QLXZ: '出让/商品房', YT: '城镇住宅用地/住宅', MJ: '共有宗地面积5210.36㎡/房屋建筑面积89.52㎡', SYQX: '2000年08月01日起2070年07月31日止',
    } });
    // 6.5 change on the day of the change. The standard change gives the new certificate the
    // service's own number (id_code); its printed 不动产权证号 is the face field BDCQZH.
    const changed = day(-60);
    onDay(changed);
    await call(`/v1/license/${LICENSE_ITEM.realEstate}/change${q}`, { data: {
      license_code: realEstate, reason: '婚后增加共有人，共有情况变更', begin_date: changed,
      data_fields: { GYQK: '共同共有（共有人：李四）', BDCQZH: `京(${year(changed)})东城区不动产权第0034567号` }, operator: OPERATOR,
    } });
    // A 无犯罪记录证明 is valid for three months from its issue: issued 120 days ago, expired 30 days ago.
    const proofIssued = day(-120);
    await issue(LICENSE_ITEM.noCriminalRecord, zs, { number: `京公东证字〔${year(proofIssued)}〕第000777号`, begin: proofIssued, expiry: day(-30), bizNum: 'WFZ2025000777', fields: {
      ZMYT: '入职审查', CXFW: '全国违法犯罪人员信息资源库', CJDW: '北京市公安局东城分局景山派出所',
    } });
    await issue(LICENSE_ITEM.diploma, zs, { number: '100051201205001234', begin: '2012-07-01', bizNum: 'XL2012070188', fields: {
      XB: '男', CSRQ: '1990-03-07', XXMC: '北京工业大学', ZYMC: '计算机科学与技术', CC: '本科', XZ: '四年', RXRQ: '2008-09-01', BYRQ: '2012-07-01', ZSBH: '100051201205001234',
    } });
    await issue(LICENSE_ITEM.diploma, ls, { number: '100281200805006789', begin: '2008-07-01', bizNum: 'XL2008070166', fields: {
      XB: '女', CSRQ: '1985-11-12', XXMC: '首都师范大学', ZYMC: '汉语言文学', CC: '本科', XZ: '四年', RXRQ: '2004-09-01', BYRQ: '2008-07-01', ZSBH: '100281200805006789',
    } });
    at = today;
    await app.inject({ method: 'POST', url: `/v1/security/logout${q}` });
    service.setMeta(SEEDED_KEY, nowText);
    return true;
  } finally {
    await app.close();
  }
}

export { DEMO_ISSUER_ORG };
