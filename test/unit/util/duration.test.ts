import { describe, expect, it } from 'vitest';
import { parseDuration as queryDuration } from '../../../src/query/duration.ts';
import { parseDuration as configDuration } from '../../../src/util/config-reader.ts';
import { parseDurationNs } from '../../../src/util/duration.ts';

/** The sampling config and the query API read durations with one parser: same text, same value. */
describe('one duration parser for config and query', () => {
  it.each([
    ['.5s', 500_000_000n],
    ['1.5s', 1_500_000_000n],
    ['250us', 250_000n],
    ['250µs', 250_000n], // U+00B5 micro sign
    ['250μs', 250_000n], // U+03BC Greek mu, as Go also accepts
    ['1m30s', 90_000_000_000n],
    ['+2h', 7_200_000_000_000n],
    ['0', 0n],
  ])('%s is %s ns for both', (text, ns) => {
    expect(parseDurationNs(text)).toEqual({ ok: true, ns });
    expect(queryDuration('minDuration', text)).toBe(ns);
    expect(configDuration(text, 'decision_wait')).toBe(Number(ns) / 1e6);
  });

  it.each([
    ['', 'empty'],
    ['-1s', 'negative'],
    ['10', 'syntax'],
    ['1d', 'syntax'],
    ['10 s', 'syntax'],
    ['2562048h', 'range'],
  ] as const)('%j is rejected (%s) by both', (text, problem) => {
    expect(parseDurationNs(text)).toEqual({ ok: false, problem });
    expect(() => queryDuration('minDuration', text)).toThrow(/^invalid parameter 'minDuration'/);
    expect(() => configDuration(text, 'decision_wait')).toThrow(/^decision_wait: expected a duration/);
  });
});
