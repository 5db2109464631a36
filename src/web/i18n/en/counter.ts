import type { Messages } from '../zh-CN';

export const counter: Messages['counter'] = {
  placeholder: '',
};
