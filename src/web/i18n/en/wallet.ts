import type { Messages } from '../zh-CN';

export const wallet: Messages['wallet'] = {
  placeholder: '',
};
