import type { Messages } from '../zh-CN';

export const mobile: Messages['mobile'] = {
  placeholder: '',
};
