export const usage = {
  placeholder: '',
};
