import { describe, expect, it } from 'vitest';
import { StatusCode } from '../../../src/model/span.ts';
import { and, drop, not } from '../../../src/sampling/policies/combinators.ts';
import { composite } from '../../../src/sampling/policies/composite.ts';
import { alwaysSample, statusCode } from '../../../src/sampling/policies/simple.ts';
import { verdict } from '../../../src/sampling/policies/types.ts';
import type { Outcome, PolicyEvaluator } from '../../../src/sampling/policies/types.ts';
import { trace } from './fixtures.ts';

/** A policy that answers a fixed outcome and counts its calls. */
function fixed(name: string, outcome: Outcome, rate = 1): PolicyEvaluator & { calls: number } {
  const p = {
    name,
    calls: 0,
    evaluate: () => {
      p.calls++;
      return verdict(outcome, rate);
    },
  };
  return p;
}
const t = trace([{}]);

describe('and', () => {
  it.each<[Outcome[], Outcome]>([
    [['sampled', 'sampled'], 'sampled'],
    [['sampled', 'inverted_sampled'], 'sampled'],
    [['sampled', 'not_sampled'], 'not_sampled'],
    [['inverted_not_sampled', 'sampled'], 'not_sampled'],
    [['not_sampled', 'not_sampled'], 'not_sampled'],
  ])('%j → %s', (subs, want) => {
    expect(and('a', subs.map((o, i) => fixed(`s${i}`, o))).evaluate(t, 0).outcome).toBe(want);
  });
  it('evaluates every sub-policy and multiplies their rates', () => {
    const subs = [fixed('x', 'not_sampled', 4), fixed('y', 'sampled', 5)];
    const v = and('a', subs).evaluate(t, 0);
    expect(subs.map((s) => s.calls)).toEqual([1, 1]);
    expect(v.sampleRate).toBe(20);
  });
});

describe('not', () => {
  it.each<[Outcome, Outcome]>([
    ['sampled', 'not_sampled'],
    ['inverted_sampled', 'not_sampled'],
    ['not_sampled', 'sampled'],
    ['inverted_not_sampled', 'sampled'],
  ])('%s → %s', (sub, want) => {
    expect(not('n', fixed('s', sub)).evaluate(t, 0).outcome).toBe(want);
  });
  it('turns a 1-in-4 sampler into a 3-in-4 one (rate 4/3)', () => {
    expect(not('n', fixed('s', 'not_sampled', 4)).evaluate(t, 0).sampleRate).toBeCloseTo(4 / 3);
  });
});

describe('drop', () => {
  it.each<[Outcome[], Outcome]>([
    [['sampled'], 'dropped'],
    [['sampled', 'inverted_sampled'], 'dropped'],
    [['sampled', 'not_sampled'], 'not_sampled'],
    [['inverted_not_sampled'], 'not_sampled'],
  ])('%j → %s', (subs, want) => {
    expect(drop('d', subs.map((o, i) => fixed(`s${i}`, o))).evaluate(t, 0).outcome).toBe(want);
  });
});

describe('composite', () => {
  const errors = statusCode('errors', { status_codes: ['ERROR'] });
  const rest = alwaysSample('rest');
  const build = (allocation: { policy: string; percent: number }[]) =>
    composite(
      'c',
      { max_total_spans_per_second: 100, policy_order: ['errors', 'rest'], composite_sub_policy: [], rate_allocation: allocation },
      new Map<string, PolicyEvaluator>([
        ['errors', errors],
        ['rest', rest],
      ]),
    );
  const ok = (n: number) => trace([{}], { spanCount: n });
  const failed = (n: number) => trace([{ status: StatusCode.ERROR }], { spanCount: n });

  it('gives each sub-policy its share of spans per second, resetting each second', () => {
    const c = build([
      { policy: 'errors', percent: 70 },
      { policy: 'rest', percent: 30 },
    ]);
    const at = (tr: ReturnType<typeof ok>, ms: number) => c.evaluate(tr, ms);
    expect(at(ok(20), 0).outcome).toBe('sampled');
    expect(at(ok(20), 10).outcome).toBe('not_sampled'); // rest's 30 spans/s used up
    const v = at(ok(10), 20);
    expect(v.outcome).toBe('sampled');
    expect(at(failed(70), 30).detail).toBe('sub-policy "errors"');
    expect(at(failed(1), 40).outcome).toBe('not_sampled'); // errors share exhausted
    expect(at(ok(20), 1000).outcome).toBe('sampled'); // new second
  });

  it('asks sub-policies in policy_order: the first yes decides even when over budget', () => {
    const c = build([
      { policy: 'errors', percent: 10 },
      { policy: 'rest', percent: 90 },
    ]);
    const v = c.evaluate(failed(20), 0);
    expect(v.outcome).toBe('not_sampled');
    expect(v.detail).toBe('sub-policy "errors" over its span budget');
  });

  it('shares the unallocated percentage among sub-policies without an allocation', () => {
    const c = build([{ policy: 'errors', percent: 60 }]);
    expect(c.evaluate(ok(40), 0).outcome).toBe('sampled');
    expect(c.evaluate(ok(1), 0).outcome).toBe('not_sampled');
  });
});
