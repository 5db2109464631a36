import type { CatalogueEntry, DataItem, DataItemType, HolderType, LicenseType } from '../contract/upstream.ts';
import { DEMO_ACCESS_SYSTEMS, DEMO_ORG } from './demo-data.ts';

// The demo catalogue (6.3) and service items (事项). The catalogue has no write interface in the
// standard, so these rows are written directly; certificates are made through 6.4/6.5 (seed.ts).

const issuerSystem = DEMO_ACCESS_SYSTEMS.find((s) => s.kind === 'issuer');
if (!issuerSystem) throw new Error('demo data lacks an issuer system');

/** The organisation administering the demo catalogue: the issuer-demo access system's. */
export const DEMO_ISSUER_ORG = { name: issuerSystem.orgName, code: issuerSystem.orgCode } as const;
/** Administers 营业执照, so issuer-demo may not produce it (least privilege, tests). */
export const MARKET_REGULATOR_ORG = { name: '北京市市场监督管理局', code: '11110000MB0000003M' } as const;

export const LICENSE_ITEM = {
  householdRegister: '100010601000021135110001',
  marriage: '100010901000031135110002',
  birthMedical: '100011301000041135110003',
  realEstate: '100012001000051135110004',
  drivingLicence: '100010401000061135110005',
  diploma: '100011001000071135110006',
  noCriminalRecord: '100011501000091135110008',
  businessLicence: '100020101000081135110007',
} as const;

type F = [key: string, name: string, type?: DataItemType, opts?: { sensitive?: boolean; nullable?: boolean; length?: number }];

const COMMON_HEAD: F[] = [
  ['ZZMC', '证照名称'],
  ['ZZHM', '证照号码'],
  ['CYRMC', '持有人名称'],
  ['CYRSFZJLX', '持有人身份证件类型'],
  ['CYRSFZJHM', '持有人身份证件号码', 'string', { sensitive: true }],
];
const COMMON_TAIL: F[] = [
  ['FZJGMC', '发证机构名称'],
  ['FZJGZZJGDM', '发证机构统一社会信用代码'],
  ['FZJGSSXZQHDM', '发证机构所属行政区划代码'],
  ['FZRQ', '发证日期', 'date'],
  ['YXQJSRQ', '有效期结束日期', 'date', { nullable: true }],
];

function items(specific: F[], numberSensitive = false): DataItem[] {
  const head = COMMON_HEAD.map((f): F => (f[0] === 'ZZHM' && numberSensitive ? [f[0], f[1], 'string', { sensitive: true }] : f));
  return [...head, ...specific, ...COMMON_TAIL].map(([key, name, type, opts], index) => ({
    key,
    name,
    data_type: type ?? 'string',
    length: opts?.length ?? (type === 'date' ? 10 : 100),
    is_allow_null: opts?.nullable ?? false,
    is_sensitive: opts?.sensitive ?? false,
    is_show: true,
    index: index + 1,
    description: '',
  }));
}

interface EntrySpec {
  code: string;
  name: string;
  shortName: string;
  respOrg: string;
  holderType: HolderType;
  type: LicenseType;
  description: string;
  admin: { name: string; code: string };
  fields: F[];
  /** The document's number is its holder's identity number (a driving licence's is). */
  numberSensitive?: boolean;
}

const SPECS: EntrySpec[] = [
  {
    code: LICENSE_ITEM.householdRegister, name: '居民户口簿', shortName: '户口簿', respOrg: '北京市公安局', holderType: 0, type: 'CERTIFICATE',
    description: '记载户籍人口基本信息的法定证件', admin: DEMO_ISSUER_ORG,
    fields: [['HH', '户号'], ['HZXM', '户主姓名'], ['YHZGX', '与户主关系'], ['XB', '性别'], ['MZ', '民族'], ['CSRQ', '出生日期', 'date'], ['ZZ', '住址', 'string', { sensitive: true }]],
  },
  {
    code: LICENSE_ITEM.marriage, name: '结婚证', shortName: '结婚证', respOrg: '北京市民政局', holderType: 0, type: 'CERTIFICATE',
    description: '婚姻登记机关颁发的结婚证明', admin: DEMO_ISSUER_ORG,
    fields: [['DJRQ', '登记日期', 'date'], ['POXM', '配偶姓名'], ['POSFZJHM', '配偶身份证件号码', 'string', { sensitive: true }], ['DJJG', '婚姻登记机关']],
  },
  {
    code: LICENSE_ITEM.birthMedical, name: '出生医学证明', shortName: '出生证', respOrg: '北京市卫生健康委员会', holderType: 0, type: 'PROOF',
    description: '新生儿出生的医学证明', admin: DEMO_ISSUER_ORG,
    fields: [['XSEXM', '新生儿姓名'], ['XB', '性别'], ['CSSJ', '出生时间'], ['CSDD', '出生地点'], ['MQXM', '母亲姓名'], ['MQSFZJHM', '母亲身份证件号码', 'string', { sensitive: true }], ['FQXM', '父亲姓名'], ['FQSFZJHM', '父亲身份证件号码', 'string', { sensitive: true }], ['JSJG', '接生机构名称']],
  },
  {
    code: LICENSE_ITEM.realEstate, name: '不动产权证书', shortName: '不动产证', respOrg: '北京市规划和自然资源委员会', holderType: 2, type: 'CERTIFICATE',
    description: '不动产权利人享有不动产物权的证明', admin: DEMO_ISSUER_ORG,
    fields: [['BDCQZH', '不动产权证号'], ['GYQK', '共有情况'], ['ZL', '坐落', 'string', { sensitive: true }], ['BDCDYH', '不动产单元号'], ['QLLX', '权利类型'], ['QLXZ', '权利性质'], ['YT', '用途'], ['MJ', '面积'], ['SYQX', '使用期限']],
  },
  {
    code: LICENSE_ITEM.drivingLicence, name: '机动车驾驶证', shortName: '驾驶证', respOrg: '北京市公安局公安交通管理局', holderType: 0, type: 'CERTIFICATE',
    description: '准予驾驶机动车的法定证件', admin: DEMO_ISSUER_ORG, numberSensitive: true,
    fields: [['XB', '性别'], ['GJ', '国籍'], ['CSRQ', '出生日期', 'date'], ['ZZ', '住址', 'string', { sensitive: true }], ['CCLZRQ', '初次领证日期', 'date'], ['ZJCX', '准驾车型'], ['DABH', '档案编号', 'string', { sensitive: true }]],
  },
  {
    code: LICENSE_ITEM.diploma, name: '学历证书', shortName: '毕业证', respOrg: '北京市教育委员会', holderType: 0, type: 'CERTIFICATE',
    description: '高等学校学历证书', admin: DEMO_ISSUER_ORG,
    fields: [['XB', '性别'], ['CSRQ', '出生日期', 'date'], ['XXMC', '学校名称'], ['ZYMC', '专业名称'], ['CC', '层次'], ['XZ', '学制'], ['RXRQ', '入学日期', 'date'], ['BYRQ', '毕业日期', 'date'], ['ZSBH', '证书编号']],
  },
  {
    code: LICENSE_ITEM.noCriminalRecord, name: '无犯罪记录证明', shortName: '无犯罪证明', respOrg: '北京市公安局', holderType: 0, type: 'PROOF',
    description: '公安机关出具的无犯罪记录证明，有效期三个月', admin: DEMO_ISSUER_ORG,
    fields: [['ZMYT', '证明用途'], ['CXFW', '查询范围'], ['CJDW', '出具单位']],
  },
  {
    code: LICENSE_ITEM.businessLicence, name: '营业执照', shortName: '营业执照', respOrg: '北京市市场监督管理局', holderType: 1, type: 'CERTIFICATE',
    description: '市场主体的营业执照', admin: MARKET_REGULATOR_ORG,
    fields: [['TYSHXYDM', '统一社会信用代码'], ['LX', '类型'], ['FDDBR', '法定代表人'], ['ZCZB', '注册资本'], ['CLRQ', '成立日期', 'date'], ['ZS', '住所'], ['JYFW', '经营范围', 'string', { length: 2000 }]],
  },
];

export function demoCatalogue(nowText: string): CatalogueEntry[] {
  return SPECS.map((s) => ({
    license_item_code: s.code,
    name: s.name,
    short_name: s.shortName,
    resp_org: s.respOrg,
    issue_rank: '市级',
    holder_type: s.holderType,
    type: s.type,
    status: 2,
    version: '1.0',
    use_constraint_type: '0',
    description: s.description,
    icon_image: null,
    admin_org: s.admin.name,
    admin_org_code: s.admin.code,
    division: '北京市',
    division_code: '110000',
    creation_time: nowText,
    last_modification_time: nowText,
    data_items: items(s.fields, s.numberSensitive),
  }));
}

export interface DemoServiceItem {
  service_item_code: string;
  name: string;
  org_code: string;
  license_item_codes: string[];
  /** Minimum-necessary extension: the face fields the item receives per entry (absent = all). */
  data_item_keys?: Record<string, string[]>;
}

const BIZ_OTHER = DEMO_ACCESS_SYSTEMS.find((s) => s.appKey === 'biz-other');
if (!BIZ_OTHER) throw new Error('demo data lacks biz-other');

/** Names tests and docs use. */
export const SERVICE_ITEM = {
  householdAffairs: 'DC-HJ-0001',
  realEstateRegistration: 'DC-BDC-0001',
  drivingLicenceAffairs: 'DC-JSZ-0001',
  employmentRegistration: 'DC-JY-0001',
  businessStartup: 'DC-QYKB-0001',
  realEstateTransfer: 'CY-BDC-0001',
  soleTraderRegistration: 'SJ-GTGSH-0001',
  certificateProduction: 'ZZ-ZZ-0001',
} as const;

const K = {
  /** Certificate name and number, holder name: what identifies the certificate and its holder. */
  id: ['ZZMC', 'ZZHM', 'CYRMC'],
  /** The holder's identity document, where the item must match the person (sensitive number). */
  holderId: ['CYRSFZJLX', 'CYRSFZJHM'],
};

// PIPL art. 6 (minimum necessary), as a civil servant would choose: what the case file of the
// service item needs of each certificate. 民族, 出生日期, 性别 and the issuer's codes are left out
// unless the item decides on them; ID numbers only where the item must match a person.
const KEYS = {
  householdAffairs: {
    [LICENSE_ITEM.householdRegister]: [...K.id, ...K.holderId, 'HH', 'HZXM', 'YHZGX', 'ZZ', 'FZJGMC', 'FZRQ'],
    [LICENSE_ITEM.birthMedical]: [...K.id, 'XSEXM', 'XB', 'CSSJ', 'CSDD', 'MQXM', 'MQSFZJHM', 'FQXM', 'FQSFZJHM', 'JSJG', 'FZRQ'],
    [LICENSE_ITEM.marriage]: [...K.id, ...K.holderId, 'DJRQ', 'POXM', 'POSFZJHM', 'DJJG'],
  },
  realEstateRegistration: {
    [LICENSE_ITEM.realEstate]: [...K.id, ...K.holderId, 'BDCQZH', 'GYQK', 'ZL', 'BDCDYH', 'QLLX', 'QLXZ', 'YT', 'MJ', 'SYQX', 'FZJGMC', 'FZRQ'],
    [LICENSE_ITEM.householdRegister]: [...K.id, ...K.holderId, 'HH', 'HZXM', 'YHZGX'],
    // Marital status for the 共有情况: who is married to whom and since when, no ID numbers.
    [LICENSE_ITEM.marriage]: [...K.id, 'DJRQ', 'POXM'],
  },
  drivingLicenceAffairs: {
    [LICENSE_ITEM.drivingLicence]: [...K.id, ...K.holderId, 'ZZ', 'CCLZRQ', 'ZJCX', 'DABH', 'FZJGMC', 'FZRQ', 'YXQJSRQ'],
  },
  employmentRegistration: {
    [LICENSE_ITEM.diploma]: [...K.id, 'XXMC', 'ZYMC', 'CC', 'BYRQ'],
    // Whether the person is registered in Beijing: the issuing police station says it.
    [LICENSE_ITEM.householdRegister]: [...K.id, ...K.holderId, 'HH', 'FZJGMC'],
    [LICENSE_ITEM.noCriminalRecord]: [...K.id, ...K.holderId, 'ZMYT', 'CXFW', 'CJDW', 'FZRQ', 'YXQJSRQ'],
  },
  businessStartup: {
    [LICENSE_ITEM.businessLicence]: [...K.id, 'TYSHXYDM', 'LX', 'FDDBR', 'ZCZB', 'CLRQ', 'ZS', 'JYFW', 'FZJGMC', 'FZRQ'],
  },
  // 不动产权证书 absent: the whole face, as from an upstream without the extension.
  realEstateTransfer: {
    [LICENSE_ITEM.marriage]: [...K.id, ...K.holderId, 'DJRQ', 'POXM', 'POSFZJHM'],
    [LICENSE_ITEM.householdRegister]: [...K.id, ...K.holderId, 'HH', 'HZXM', 'YHZGX'],
  },
  // The operator's identity and residence, from the 户口簿.
  soleTraderRegistration: {
    [LICENSE_ITEM.householdRegister]: [...K.id, ...K.holderId, 'ZZ'],
  },
} satisfies Partial<Record<keyof typeof SERVICE_ITEM, Record<string, string[]>>>;

export const DEMO_SERVICE_ITEMS: readonly DemoServiceItem[] = [
  { service_item_code: SERVICE_ITEM.householdAffairs, name: '户籍业务办理', org_code: DEMO_ORG.code,
    license_item_codes: [LICENSE_ITEM.householdRegister, LICENSE_ITEM.birthMedical, LICENSE_ITEM.marriage], data_item_keys: KEYS.householdAffairs },
  { service_item_code: SERVICE_ITEM.realEstateRegistration, name: '不动产登记', org_code: DEMO_ORG.code,
    license_item_codes: [LICENSE_ITEM.realEstate, LICENSE_ITEM.householdRegister, LICENSE_ITEM.marriage], data_item_keys: KEYS.realEstateRegistration },
  { service_item_code: SERVICE_ITEM.drivingLicenceAffairs, name: '机动车驾驶证业务办理', org_code: DEMO_ORG.code,
    license_item_codes: [LICENSE_ITEM.drivingLicence], data_item_keys: KEYS.drivingLicenceAffairs },
  { service_item_code: SERVICE_ITEM.employmentRegistration, name: '就业登记', org_code: DEMO_ORG.code,
    license_item_codes: [LICENSE_ITEM.diploma, LICENSE_ITEM.householdRegister, LICENSE_ITEM.noCriminalRecord], data_item_keys: KEYS.employmentRegistration },
  // Accepts none of 张三's certificates: the "nothing to authorise" path.
  { service_item_code: SERVICE_ITEM.businessStartup, name: '企业开办', org_code: DEMO_ORG.code,
    license_item_codes: [LICENSE_ITEM.businessLicence], data_item_keys: KEYS.businessStartup },
  { service_item_code: SERVICE_ITEM.realEstateTransfer, name: '不动产转移登记', org_code: BIZ_OTHER.orgCode,
    license_item_codes: [LICENSE_ITEM.realEstate, LICENSE_ITEM.marriage, LICENSE_ITEM.householdRegister], data_item_keys: KEYS.realEstateTransfer },
  // A service item of another organisation that a holder can reach through this app: its
  // organisation administers a catalogue entry, so the holder app's directory asks for its items.
  { service_item_code: SERVICE_ITEM.soleTraderRegistration, name: '个体工商户设立登记', org_code: MARKET_REGULATOR_ORG.code,
    license_item_codes: [LICENSE_ITEM.householdRegister], data_item_keys: KEYS.soleTraderRegistration },
  // The issuing agency works on the whole certificate: no narrowing.
  { service_item_code: SERVICE_ITEM.certificateProduction, name: '电子证照制发', org_code: DEMO_ISSUER_ORG.code,
    license_item_codes: SPECS.filter((s) => s.admin.code === DEMO_ISSUER_ORG.code).map((s) => s.code) },
];

// A typo in a key would silently narrow a certificate to less than intended: refuse it at load.
for (const item of DEMO_SERVICE_ITEMS) {
  for (const [code, keys] of Object.entries(item.data_item_keys ?? {})) {
    const spec = SPECS.find((s) => s.code === code);
    const known = new Set([...COMMON_HEAD, ...(spec?.fields ?? []), ...COMMON_TAIL].map(([key]) => key));
    const unknown = keys.filter((k) => !known.has(k));
    if (!spec || !item.license_item_codes.includes(code) || unknown.length > 0) {
      throw new Error(`demo service item ${item.service_item_code}: bad data_item_keys for ${code} ${unknown.join(' ')}`);
    }
  }
}
