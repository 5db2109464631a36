import { describe, expect, it } from 'vitest';
import type { LicenseField } from '@contract/bff';
import { cardNumber, detailNumber, headFacts, isServiceIdentifier, listedFields, maskedForHolder } from '../../src/web/components/wallet/license-display';

const f = (key: string, name: string, value: string, masked = false): LicenseField => ({ key, name, value, sensitive: masked, masked });
const IDENTIFIER = '1.2.156.3005.2.010601.11110000MB0000009K.00000005.001.Q';

const face = [
  f('ZZMC', '证照名称', '不动产权证书'),
  f('ZZHM', '证照号码', '京(2020)东城区不动产权第0012345号'),
  f('CYRMC', '持有人名称', '张三'),
  f('CYRSFZJLX', '持有人身份证件类型', '居民身份证'),
  f('CYRSFZJHM', '持有人身份证件号码', '1101**********1233', true),
  f('BDCQZH', '不动产权证号', '京(2020)东城区不动产权第0012345号'),
  f('GYQK', '共有情况', '单独所有'),
  f('FZJGMC', '发证机构名称', '北京市规划和自然资源委员会'),
  f('FZJGZZJGDM', '发证机构统一社会信用代码', '11110000MB0000009K'),
  f('FZJGSSXZQHDM', '发证机构所属行政区划代码', '110000'),
  f('FZRQ', '发证日期', '2020-08-01'),
];

describe('what the holder reads of a certificate', () => {
  it.each([
    [IDENTIFIER, true],
    [' 1.2.156.1', true],
    ['京(2020)东城区不动产权第0012345号', false],
    ['1.2.3', false],
    ['', false],
    [null, false],
  ])('%j is the service identifier: %s', (value, yes) => {
    expect(isServiceIdentifier(value)).toBe(yes);
  });

  it.each([
    ['J110101-2018-001234', 'J110101-2018-001234'],
    ['1101**********1233', '1101**********1233'],
    [IDENTIFIER, null],
    ['', null],
  ])('a card with id_code %j leads with %j', (idCode, shown) => {
    expect(cardNumber({ idCode })).toBe(shown);
  });

  it.each([
    ['the face number', { idCode: IDENTIFIER, fields: face }, { value: '京(2020)东城区不动产权第0012345号', masked: false }],
    ['a masked face number, masked', { idCode: 'x', fields: [f('ZZHM', '证照号码', '1101**********1233', true)] }, { value: '1101**********1233', masked: true }],
    ['the printed 不动产权证号 when ZZHM is the identifier', { idCode: IDENTIFIER, fields: [f('ZZHM', '证照号码', IDENTIFIER), f('BDCQZH', '不动产权证号', '京(2026)东城区不动产权第0034567号')] }, { value: '京(2026)东城区不动产权第0034567号', masked: false }],
    ['a field named …证书编号', { idCode: IDENTIFIER, fields: [f('X1', '学历证书编号', '100051201205001234')] }, { value: '100051201205001234', masked: false }],
    ['the record number without a face', { idCode: 'J110101-2018-001234', fields: [] }, { value: 'J110101-2018-001234', masked: false }],
    ['nothing when only the identifier is known', { idCode: IDENTIFIER, fields: [f('ZZHM', '证照号码', IDENTIFIER)] }, null],
  ])('the detail page shows %s', (_what, detail, shown) => {
    expect(detailNumber(detail)).toEqual(shown);
  });

  it('lists face fields without what the head says and without codes for machines', () => {
    const listed = listedFields({ fields: [...face, f('X', '备注', IDENTIFIER), f('QXDM', '所在地行政区划代码', '110101')] }, detailNumber({ idCode: IDENTIFIER, fields: face }));
    expect(listed.map((x) => x.key)).toEqual(['CYRSFZJLX', 'CYRSFZJHM', 'GYQK']);
  });

  it('takes one issue date and the issuer as the face prints them, else from the record; the holder masked until revealed', () => {
    const record = { issueDate: '2026-12-02', issueOrgName: '北京市演示颁证机关', holderMaskedName: '张*' };
    expect(headFacts({ ...record, fields: face }, false)).toEqual({ issueDate: '2020-08-01', issuer: '北京市规划和自然资源委员会', holder: '张*' });
    expect(headFacts({ ...record, fields: face }, true)).toEqual({ issueDate: '2020-08-01', issuer: '北京市规划和自然资源委员会', holder: '张三' });
    expect(headFacts({ ...record, fields: [] }, true)).toEqual({ issueDate: '2026-12-02', issuer: '北京市演示颁证机关', holder: '张*' });
  });

  it('masks the holder\'s name wherever the face prints it until the reveal, and no one else\'s', () => {
    const fields = [f('CYRMC', '持有人名称', '张三'), f('HZXM', '户主姓名', '张三'), f('POXM', '配偶姓名', '李四')];
    const masked = maskedForHolder({ fields, holderMaskedName: '张*' }, false);
    expect(masked.map((x) => [x.value, x.masked])).toEqual([['张*', true], ['张*', true], ['李四', false]]);
    expect(maskedForHolder({ fields, holderMaskedName: '张*' }, true)).toBe(fields);
  });
});
