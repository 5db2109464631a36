// The fixed demo people and access systems that the README lists. The identity provider
// turns the people into accounts; the seed issues the holders' certificates to their
// identity numbers through the issuer interfaces.

export const DEMO_PASSWORD = 'demo123456';

export type DemoRole = 'citizen' | 'counter_staff';

export interface DemoPerson {
  account: string;
  name: string;
  identityType: '111';
  identityNum: string;
  phone: string;
  role: DemoRole;
  orgName?: string;
  orgCode?: string;
}

export const DEMO_ORG = { name: '北京市东城区政务服务中心', code: '11110101MB0000001X' } as const;

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  { account: 'zhangsan', name: '张三', identityType: '111', identityNum: '110101199003071233', phone: '13800000001', role: 'citizen' },
  { account: 'lisi', name: '李四', identityType: '111', identityNum: '110105198511124566', phone: '13800000002', role: 'citizen' },
  { account: 'wangwu', name: '王五', identityType: '111', identityNum: '110108197805207898', phone: '13800000003', role: 'citizen' },
  {
    account: 'staff01', name: '赵六', identityType: '111', identityNum: '110101199208152344', phone: '13800000004',
    role: 'counter_staff', orgName: DEMO_ORG.name, orgCode: DEMO_ORG.code,
  },
];

export type AccessSystemKind = 'holder' | 'counter' | 'issuer' | 'business';

export interface DemoAccessSystem {
  kind: AccessSystemKind;
  appKey: string;
  appSecret: string;
  account: string;
  password: string;
  name: string;
  orgName: string;
  orgCode: string;
  division: string;
  divisionCode: string;
}

export const DEMO_ACCESS_SYSTEMS: readonly DemoAccessSystem[] = [
  {
    kind: 'holder', appKey: 'holder-h5', appSecret: 'holder-h5-secret', account: 'holder-h5', password: 'holder-h5-pass',
    name: '电子证照持证人H5', orgName: '北京市政务服务和数据管理局', orgCode: '11110000MB0000000A', division: '北京市', divisionCode: '110000',
  },
  {
    kind: 'counter', appKey: 'counter-demo', appSecret: 'counter-demo-secret', account: 'counter01', password: 'counter01-pass',
    name: '东城区政务服务中心窗口系统', orgName: DEMO_ORG.name, orgCode: DEMO_ORG.code, division: '东城区', divisionCode: '110101',
  },
  {
    kind: 'issuer', appKey: 'issuer-demo', appSecret: 'issuer-demo-secret', account: 'issuer01', password: 'issuer01-pass',
    name: '北京市演示颁证系统', orgName: '北京市演示颁证机关', orgCode: '11110000MB0000009K', division: '北京市', divisionCode: '110000',
  },
  {
    kind: 'business', appKey: 'biz-other', appSecret: 'biz-other-secret', account: 'biz02', password: 'biz02-pass',
    name: '朝阳区不动产登记业务系统', orgName: '北京市朝阳区不动产登记中心', orgCode: '11110105MB0000002Y', division: '朝阳区', divisionCode: '110105',
  },
];
