export const history = {
  placeholder: '',
};
