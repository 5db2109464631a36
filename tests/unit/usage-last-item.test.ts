import { describe, expect, it } from 'vitest';
import { lastUsedFirst } from '../../src/web/components/usage/usage-format.ts';

describe('lastUsedFirst', () => {
  const items = ['A', 'B', 'C'].map((serviceItemCode) => ({ serviceItemCode }));
  it.each([
    [null, 'ABC'],
    ['A', 'ABC'],
    ['C', 'CAB'],
    ['B', 'BAC'],
    ['Z', 'ABC'],
  ])('last used %s gives %s', (last, order) => {
    expect(lastUsedFirst(items, last).map((i) => i.serviceItemCode).join('')).toBe(order);
  });
});
