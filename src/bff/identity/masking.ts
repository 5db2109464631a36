// How a person's name and identity number appear on screen and in every response.
export { maskIdentityNumber } from '../logging.ts';

/** 张三 -> 张*, 张小三 -> 张*三, 欧阳小明 -> 欧*明: enough to recognise oneself, not to identify. */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length <= 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}*${chars[chars.length - 1]}`;
}
