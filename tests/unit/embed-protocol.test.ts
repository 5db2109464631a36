// Issue 12: who may frame and talk to the app, what a host may ask, and which web-view we are in.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EMBED_EVENT_TYPES, EMBED_SDK_VERSION } from '../../src/contract/embed';
import { hostMessage, isAllowedOrigin, parseEmbedParams } from '../../src/web/embed/protocol';
import { detectMiniProgram } from '../../src/web/composables/useMiniProgram';

const ALLOWED = ['https://portal.example.gov.cn', 'http://127.0.0.1:8081'];

describe('isAllowedOrigin', () => {
  it.each([
    ['https://portal.example.gov.cn', true],
    ['http://127.0.0.1:8081', true],
    ['https://portal.example.gov.cn:443', false],
    ['http://portal.example.gov.cn', false],
    ['https://portal.example.gov.cn.evil.test', false],
    ['https://portal.example.gov.cn/', false],
    ['null', false],
    ['*', false],
    [undefined, false],
  ])('%s -> %s', (origin, ok) => {
    expect(isAllowedOrigin(origin, ALLOWED)).toBe(ok);
  });
});

describe('parseEmbedParams', () => {
  it.each([
    // [query, actual parent, expected host]
    [{ host: 'https://portal.example.gov.cn' }, 'https://portal.example.gov.cn', 'https://portal.example.gov.cn'],
    [{ host: 'https://portal.example.gov.cn' }, null, 'https://portal.example.gov.cn'],
    // A host that claims an allowed origin but is not the page framing us is told nothing.
    [{ host: 'https://portal.example.gov.cn' }, 'http://127.0.0.1:8081', null],
    [{ host: 'https://evil.test' }, 'https://evil.test', null],
    [{ host: ['https://portal.example.gov.cn', 'https://evil.test'] }, null, 'https://portal.example.gov.cn'],
    [{}, 'https://portal.example.gov.cn', null],
  ])('%j framed by %s -> host %s', (query, parent, host) => {
    expect(parseEmbedParams(query, ALLOWED, parent).host).toBe(host);
  });

  it.each([
    [{ path: '/history' }, '/history'],
    [{ path: '//evil.test/x' }, '/'],
    [{ path: 'https://evil.test' }, '/'],
    [{ path: '/auth/login' }, '/'],
    [{}, '/'],
  ])('path %j -> %s', (query, path) => {
    expect(parseEmbedParams(query, ALLOWED, null).path).toBe(path);
  });

  it.each([
    [{ serviceItemCode: 'DC-JY-0001', locale: 'en', elder: '1' }, { serviceItemCode: 'DC-JY-0001', locale: 'en', elder: true }],
    [{ serviceItemCode: 'DC JY<script>', locale: 'fr', elder: 'yes' }, { serviceItemCode: null, locale: null, elder: false }],
    [{ locale: 'zh-CN', elder: 'true' }, { serviceItemCode: null, locale: 'zh-CN', elder: true }],
  ])('%j -> %j', (query, expected) => {
    expect(parseEmbedParams(query, ALLOWED, null)).toMatchObject(expected);
  });
});

describe('hostMessage', () => {
  it.each([
    [{ source: 'ecert-holder-host', type: 'navigate', path: '/history' }, true],
    [{ source: 'ecert-holder-host', type: 'navigate', path: 'https://evil.test' }, false],
    [{ source: 'ecert-holder-host', type: 'navigate', path: '/auth/logout' }, false],
    [{ source: 'ecert-holder-host', type: 'locale', locale: 'en' }, true],
    [{ source: 'ecert-holder-host', type: 'locale', locale: 'de' }, false],
    [{ source: 'ecert-holder-host', type: 'elder', elder: true }, true],
    [{ source: 'ecert-holder-host', type: 'elder', elder: 'yes' }, false],
    [{ source: 'someone-else', type: 'navigate', path: '/history' }, false],
    ['navigate /history', false],
    [null, false],
  ])('%j accepted: %s', (data, ok) => {
    expect(hostMessage(data) !== null).toBe(ok);
  });
});

describe('detectMiniProgram', () => {
  const WECHAT_ANDROID_MP = 'Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 Chrome/116.0 Mobile Safari/537.36 XWEB/1160083 MMWEBSDK/20240301 MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64 miniProgram/wx1234567890abcdef';
  const WECHAT_IOS = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003127) NetType/WIFI Language/zh_CN';
  const ALIPAY_MP = 'Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/105.0 Mobile Safari/537.36 AlipayChannelId/5136 UCBS/2.11.1.1 AliApp(AP/10.5.86.8000) AlipayClient/10.5.86.8000 Language/zh-Hans ChannelId(5) MiniProgram';
  const ALIPAY_BROWSER = 'Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/105.0 Mobile Safari/537.36 AliApp(AP/10.5.86.8000) AlipayClient/10.5.86.8000';
  const PHONE = 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537.36';

  it.each([
    [WECHAT_ANDROID_MP, undefined, 'wechat'],
    // iOS puts nothing in the user agent; the web-view sets __wxjs_environment.
    [WECHAT_IOS, 'miniprogram', 'wechat'],
    // WeChat's own browser (a shared link), not a mini-program.
    [WECHAT_IOS, undefined, null],
    [ALIPAY_MP, undefined, 'alipay'],
    [ALIPAY_BROWSER, undefined, null],
    [PHONE, undefined, null],
  ])('%s with __wxjs_environment=%s -> %s', (userAgent, wxjsEnvironment, kind) => {
    expect(detectMiniProgram({ userAgent, wxjsEnvironment })).toBe(kind);
  });
});

describe('the SDK file and the contract', () => {
  it('report the same version and the same event names', () => {
    expect(readFileSync('public/embed.js', 'utf8')).toContain(`var VERSION = '${EMBED_SDK_VERSION}';`);
    const dts = readFileSync('public/embed.d.ts', 'utf8');
    expect(dts).toContain(`version ${EMBED_SDK_VERSION}`);
    for (const type of EMBED_EVENT_TYPES) expect(dts).toMatch(new RegExp(`\\n  '?${type}'?: EcertHolderEventBase<'${type}'>`));
  });
});
