import type { CoreMessages } from '../zh-CN';

export const elder: CoreMessages['elder'] = {
  label: 'Elder mode',
  hint: 'Larger text and buttons, simpler pages',
  on: 'Elder mode is on',
  off: 'Elder mode is off',
  stateOn: 'On',
  stateOff: 'Off',
};
