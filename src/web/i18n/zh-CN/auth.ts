export const auth = {
  placeholder: '',
};
