export const elder = {
  label: '长辈模式',
  hint: '字更大、按钮更大、页面更简洁',
  on: '已开启长辈模式',
  off: '已关闭长辈模式',
  stateOn: '开',
  stateOff: '关',
};
