export const elder = {
  placeholder: '',
};
