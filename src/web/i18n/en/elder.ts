import type { Messages } from '../zh-CN';

export const elder: Messages['elder'] = {
  placeholder: '',
};
