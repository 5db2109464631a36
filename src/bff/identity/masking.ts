// How a person's name and identity number appear on screen and in every response: the one rule
// in contract/masking.ts, named here for the identity adapters and routes.
export { maskIdentityNumber, maskName } from '../../contract/masking.ts';
