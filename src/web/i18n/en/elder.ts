import type { Messages } from '../zh-CN';

export const elder: Messages['elder'] = {
  label: 'Elder mode',
  hint: 'Larger text and buttons, simpler pages',
  on: 'Elder mode is on',
  off: 'Elder mode is off',
  stateOn: 'On',
  stateOff: 'Off',
};
