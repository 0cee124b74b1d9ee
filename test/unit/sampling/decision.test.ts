import { describe, expect, it } from 'vitest';
import { StatusCode } from '../../../src/model/span.ts';
import { DEFAULT_POLICIES, parseSamplingConfigText } from '../../../src/sampling/config.ts';
import { combineVerdicts, createSampler } from '../../../src/sampling/decision.ts';
import type { Outcome } from '../../../src/sampling/policies/types.ts';
import { trace, traceIds } from './fixtures.ts';

const named = (outcomes: Outcome[], rates: number[] = []) =>
  outcomes.map((outcome, i) => ({ policy: `p${i}`, verdict: { outcome, sampleRate: rates[i] ?? 1 } }));

describe('combineVerdicts (Collector precedence)', () => {
  it.each<[string, Outcome[], boolean, string]>([
    ['drop wins over sampled', ['sampled', 'dropped'], false, 'p1'],
    ['drop wins over inverted_not_sampled', ['inverted_not_sampled', 'dropped'], false, 'p1'],
    ['inverted_not_sampled vetoes sampled', ['sampled', 'inverted_not_sampled'], false, 'p1'],
    ['first sampled policy in config order is credited', ['not_sampled', 'sampled', 'sampled'], true, 'p1'],
    ['sampled beats inverted_sampled', ['inverted_sampled', 'sampled'], true, 'p1'],
    ['inverted_sampled keeps when nobody said no', ['inverted_sampled', 'inverted_sampled'], true, 'p0'],
    ['inverted_sampled does not keep over a plain not_sampled', ['inverted_sampled', 'not_sampled'], false, 'p0'],
    ['all not_sampled → not sampled', ['not_sampled', 'not_sampled'], false, 'p0'],
  ])('%s', (_label, outcomes, sampled, policy) => {
    const d = combineVerdicts(named(outcomes));
    expect({ sampled: d.sampled, policy: d.policy }).toEqual({ sampled, policy });
  });

  it('credits a rejected trace to the sampler that would have kept it, with its rate', () => {
    const d = combineVerdicts(named(['not_sampled', 'not_sampled'], [1, 10]));
    expect(d).toEqual({ sampled: false, policy: 'p1', sampleRate: 10, reason: 'no policy sampled; 1 in 10 kept by "p1"' });
  });

  it('reports the keeping policy rate and reason', () => {
    const d = combineVerdicts([
      { policy: 'slow', verdict: { outcome: 'not_sampled', sampleRate: 1 } },
      { policy: 'p10', verdict: { outcome: 'sampled', sampleRate: 10, detail: 'x' } },
    ]);
    expect(d).toEqual({ sampled: true, policy: 'p10', sampleRate: 10, reason: 'sampled by "p10": x' });
  });
});

describe('createSampler', () => {
  it('with the default policies keeps errors, slow traces, and ~10 % of the rest', () => {
    const s = createSampler({ policies: DEFAULT_POLICIES });
    expect(s.policies).toEqual(['errors', 'slow', 'probabilistic-10']);
    const err = s.evaluate(trace([{ status: StatusCode.ERROR, durationMs: 2000 }]), 0);
    expect([err.sampled, err.policy, err.sampleRate]).toEqual([true, 'errors', 1]);
    const slow = s.evaluate(trace([{ durationMs: 1500 }]), 0);
    expect([slow.sampled, slow.policy]).toEqual([true, 'slow']);
    let kept = 0;
    for (const traceId of traceIds(10_000, 5)) {
      const d = s.evaluate(trace([{ durationMs: 5 }], { traceId }), 0);
      if (d.sampled) kept++;
      expect([d.policy, d.sampleRate]).toEqual(['probabilistic-10', 10]);
    }
    expect(kept).toBeGreaterThan(900);
    expect(kept).toBeLessThan(1100);
  });

  it('applies drop rules and invert_match exclusions from a parsed config', () => {
    const cfg = parseSamplingConfigText(`
policies:
  - name: everything
    type: always_sample
  - name: no-health
    type: drop
    drop:
      drop_sub_policy:
        - { name: health-route, type: string_attribute, string_attribute: { key: http.route, values: [/healthz] } }
  - name: not-synthetic
    type: boolean_attribute
    boolean_attribute: { key: synthetic, value: true, invert_match: true }
`);
    const s = createSampler(cfg);
    const health = s.evaluate(trace([{ attributes: { 'http.route': '/healthz' }, status: StatusCode.ERROR }]), 0);
    expect([health.sampled, health.policy, health.reason]).toEqual([false, 'no-health', 'dropped by "no-health": drop rule matched']);
    const synthetic = s.evaluate(trace([{ resource: { synthetic: true } }]), 0);
    expect([synthetic.sampled, synthetic.policy]).toEqual([false, 'not-synthetic']);
    const normal = s.evaluate(trace([{ attributes: { 'http.route': '/orders' } }]), 0);
    expect([normal.sampled, normal.policy]).toEqual([true, 'everything']);
  });

  it('exposes the bounded state of stateful policies', () => {
    const cfg = parseSamplingConfigText(`
policies:
  - { name: per-route, type: adaptive, adaptive: { target_traces_per_second: 1, max_keys: 2 } }
  - { name: all, type: always_sample }
`);
    const s = createSampler(cfg);
    for (const name of ['a', 'b', 'c']) s.evaluate(trace([{ name }]), 0);
    expect(s.stateSizes()).toEqual({ 'per-route': 2 });
  });
});
