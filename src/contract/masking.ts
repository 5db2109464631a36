// How a person's name, identity number and other sensitive values appear on every screen and in
// every answer: the BFF's responses, the H5 app's fallbacks and the sandbox playing the upstream.
// One rule each (docs/decisions.md, "One masking rule"); pure, so it is tested with a table.

/** 张三 -> 张*, 张小三 -> 张*三, 欧阳小明 -> 欧*明: one star, so the name's length is not given away. */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length === 0) return '';
  if (chars.length === 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}*${chars[chars.length - 1]}`;
}

/** 110101199003071233 -> 1101**********1233; eight characters or fewer are all stars. */
export function maskIdentityNumber(value: string): string {
  if (value.length <= 8) return '*'.repeat(value.length);
  return `${value.slice(0, 4)}${'*'.repeat(value.length - 8)}${value.slice(-4)}`;
}

/**
 * Sensitive face values: number-like values as 1101**********1234; text keeps a short head
 * (an address keeps its district) and a fixed run of stars, so the length is not given away.
 */
export function maskSensitiveValue(value: string): string {
  const chars = [...value];
  if (chars.length === 0) return value;
  // Number-like (also when the upstream already masked it): 1101**********1234.
  if (/^[0-9A-Za-z*-]{8,}$/.test(value)) return maskIdentityNumber(value);
  if (chars.length < 8) return `${chars[0]}${'*'.repeat(Math.max(chars.length - 1, 1))}`;
  return `${chars.slice(0, Math.min(6, Math.ceil(chars.length / 3))).join('')}******`;
}
