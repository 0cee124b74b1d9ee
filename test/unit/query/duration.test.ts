import { describe, expect, it } from 'vitest';
import { MAX_DURATION_NS, parseDuration } from '../../../src/query/duration.ts';
import { QueryError } from '../../../src/query/errors.ts';

describe('parseDuration stays inside Go\'s int64 Duration', () => {
  it.each([
    ['9223372036854775807ns', MAX_DURATION_NS],
    ['2562047h47m16.854775807s', MAX_DURATION_NS],
    ['1h30m', 5_400_000_000_000n],
  ])('%s → %s ns', (text, ns) => {
    expect(parseDuration('maxDuration', text)).toBe(ns);
  });

  it.each(['18446744073709551616ns', '9223372036854775808ns', '2562048h', '2562047h47m16.854775808s', `${'9'.repeat(400)}h`])('%s is a 400 naming the parameter, not a wrapped value', (text) => {
    let caught: unknown;
    try {
      parseDuration('maxDuration', text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(QueryError);
    expect((caught as QueryError).status).toBe(400);
    expect((caught as QueryError).message).toMatch(/^invalid parameter 'maxDuration': duration .* is out of range/);
  });
});
