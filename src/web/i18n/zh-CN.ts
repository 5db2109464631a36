import { auth } from './zh-CN/auth';
import { wallet } from './zh-CN/wallet';
import { mobile } from './zh-CN/mobile';
import { elder } from './zh-CN/elder';

// Simplified Chinese is the app's first language; every key here must exist in en.ts too.
export const zhCN = {
  auth, wallet, mobile, elder,
  app: {
    title: '电子证照',
    skipToContent: '跳到主要内容',
    language: '语言',
    switchLanguage: 'English',
    menu: '菜单',
    back: '返回',
    home: '返回首页',
    retry: '重试',
    signedInAs: '已登录：{name}',
    history: '用证记录',
    counter: '窗口核验',
    signOut: '退出登录',
    close: '关闭',
    settings: '设置',
    loading: '加载中…',
  },
  home: {
    heading: '我的电子证照',
    intro: '在办事窗口或线上办理时出示本人电子证照。纸质证件仍然有效。',
  },
  notFound: {
    title: '页面不存在',
    body: '您访问的页面不存在或已移除。',
  },
  error: {
    title: '页面出错了',
    body: '页面加载时出现问题，您的数据没有丢失。请重试，或返回首页。',
    network: '网络连接失败，请检查网络后重试',
    server: '服务暂时不可用，请稍后再试',
  },
};

type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };

/** The areas only some pages need: loaded with those pages (router meta `messages`). */
export interface LazyMessages {
  usage: Shape<typeof import('./zh-CN/usage').usage>;
  history: Shape<typeof import('./zh-CN/history').history>;
  counter: Shape<typeof import('./zh-CN/counter').counter>;
}
export type LazyArea = keyof LazyMessages;
export type CoreMessages = Shape<typeof zhCN>;
export type Messages = CoreMessages & Partial<LazyMessages>;
