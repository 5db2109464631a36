import type { Messages } from '../zh-CN';

export const auth: Messages['auth'] = {
  placeholder: '',
};
