import type { Messages } from '../zh-CN';

export const history: Messages['history'] = {
  placeholder: '',
};
