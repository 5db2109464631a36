export const counter = {
  placeholder: '',
};
