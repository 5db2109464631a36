export const mobile = {
  placeholder: '',
};
