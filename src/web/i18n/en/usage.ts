import type { Messages } from '../zh-CN';

export const usage: Messages['usage'] = {
  placeholder: '',
};
