export const wallet = {
  placeholder: '',
};
