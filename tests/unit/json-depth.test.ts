import { describe, expect, it } from 'vitest';
import { JsonDepthCounter, jsonNestsDeeperThan } from '../../src/contract/json-depth.ts';

describe('jsonNestsDeeperThan', () => {
  it.each([
    ['{}', 1, false],
    ['[[]]', 1, true],
    ['[[]]', 2, false],
    ['{"a":{"b":[1,2,{"c":null}]}}', 3, true],
    ['{"a":{"b":[1,2,{"c":null}]}}', 4, false],
    // Brackets inside strings, escaped quotes included, are text, not nesting.
    ['{"a":"[[[[[[[[[["}', 1, false],
    ['{"a":"\\"[[[[[[[["}', 1, false],
    ['["\\\\",[[]]]', 2, true],
    ['[]'.repeat(1000), 1, false],
  ])('%s deeper than %i: %s', (text, max, expected) => {
    expect(jsonNestsDeeperThan(text, max)).toBe(expected);
  });

  it('counts across pieces, escapes split between them included', () => {
    const pieces = ['{"a":"\\', '"[[[[', '"}', '[[', ']]'];
    const counter = new JsonDepthCounter(2);
    expect(pieces.map((p) => counter.push(p))).toEqual([false, false, false, false, false]);
    const bytes = new JsonDepthCounter(2);
    expect(bytes.push(new TextEncoder().encode('["中文[",'))).toBe(false);
    expect(bytes.push(new TextEncoder().encode('[['))).toBe(true);
  });
});
