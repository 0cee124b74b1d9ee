import { verdict } from './types.ts';
import type { Outcome, PolicyEvaluator, TraceView, Verdict } from './types.ts';

const isNo = (o: Outcome): boolean => o === 'not_sampled' || o === 'inverted_not_sampled';

/** Sum of the sub-policies' state, so nested adaptive/regex state still shows in metrics. */
export function sumStateSize(subs: readonly PolicyEvaluator[]): number {
  return subs.reduce((n, s) => n + (s.stateSize?.() ?? 0), 0);
}

/**
 * Samples when every sub-policy does (a `not_sampled` or `inverted_not_sampled` from any
 * sub-policy is a no; `inverted_sampled` counts as yes), as the Collector's `and`. All
 * sub-policies are evaluated so stateful ones see every trace. The rate is the product of
 * the sub-policies' rates (exact when their keep choices are independent).
 */
export function and(name: string, subs: readonly PolicyEvaluator[]): PolicyEvaluator {
  return {
    name,
    evaluate(trace: TraceView, nowMs: number): Verdict {
      const vs = subs.map((s) => s.evaluate(trace, nowMs));
      const rate = vs.reduce((r, v) => r * v.sampleRate, 1);
      const no = vs.findIndex((v) => isNo(v.outcome));
      return no < 0
        ? verdict('sampled', rate)
        : verdict('not_sampled', rate, `sub-policy "${subs[no]?.name ?? ''}" did not match`);
    },
    stateSize: () => sumStateSize(subs),
  };
}

/**
 * Negates one sub-policy: yes (`sampled`/`inverted_sampled`) becomes `not_sampled`, no
 * becomes `sampled`. A sub-policy keeping 1 in r keeps r/(r−1) once negated.
 */
export function not(name: string, sub: PolicyEvaluator): PolicyEvaluator {
  return {
    name,
    evaluate(trace: TraceView, nowMs: number): Verdict {
      const v = sub.evaluate(trace, nowMs);
      const rate = v.sampleRate > 1 ? v.sampleRate / (v.sampleRate - 1) : 1;
      return verdict(isNo(v.outcome) ? 'sampled' : 'not_sampled', rate);
    },
    stateSize: () => sumStateSize([sub]),
  };
}

/**
 * `dropped` when all sub-policies match (same test as `and`), else `not_sampled`. The
 * combiner lets a `dropped` win over every other verdict: drop rules are vetoes, e.g.
 * "never keep health checks, even slow ones".
 */
export function drop(name: string, subs: readonly PolicyEvaluator[]): PolicyEvaluator {
  const all = and(name, subs);
  return {
    name,
    evaluate(trace: TraceView, nowMs: number): Verdict {
      const v = all.evaluate(trace, nowMs);
      return v.outcome === 'sampled' ? verdict('dropped', 1, 'drop rule matched') : verdict('not_sampled', 1);
    },
    stateSize: () => sumStateSize(subs),
  };
}
