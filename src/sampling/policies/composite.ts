import type { CompositeConfig } from '../config-policy-types.ts';
import { sumStateSize } from './combinators.ts';
import { verdict } from './types.ts';
import type { PolicyEvaluator, TraceView, Verdict } from './types.ts';

interface Share {
  readonly sub: PolicyEvaluator;
  /** Spans per second this sub-policy may keep. */
  readonly allocated: number;
  used: number;
}

/**
 * The Collector's `composite`: sub-policies are asked in `policy_order`; the first that
 * votes yes (`sampled` / `inverted_sampled`) decides. The trace is kept if its spans fit
 * that sub-policy's share of this second (`rate_allocation` percent of
 * `max_total_spans_per_second`); otherwise it is not sampled and later sub-policies are
 * not asked, as in the Collector. Budgets reset each whole second of `nowMs`.
 * Sub-policies without an allocation share the unallocated percentage equally, so one
 * listed without a `rate_allocation` entry still gets a share; shares never add up to
 * more than the total, so the total holds as well.
 */
export function composite(name: string, c: CompositeConfig, subsByName: ReadonlyMap<string, PolicyEvaluator>): PolicyEvaluator {
  const percent = new Map(c.rate_allocation.map((a) => [a.policy, a.percent]));
  const allocated = [...percent.values()].reduce((a, b) => a + b, 0);
  const unallocated = c.policy_order.filter((n) => !percent.has(n));
  const defaultPercent = unallocated.length === 0 ? 0 : (100 - allocated) / unallocated.length;
  const shares: Share[] = c.policy_order.map((n) => {
    const sub = subsByName.get(n);
    if (sub === undefined) throw new Error(`composite ${name}: no evaluator for sub-policy ${n}`);
    return { sub, allocated: ((percent.get(n) ?? defaultPercent) / 100) * c.max_total_spans_per_second, used: 0 };
  });
  let second: number | undefined;
  return {
    name,
    evaluate(trace: TraceView, nowMs: number): Verdict {
      const now = Math.floor(nowMs / 1000);
      if (now !== second) {
        second = now;
        for (const s of shares) s.used = 0;
      }
      for (const s of shares) {
        const v = s.sub.evaluate(trace, nowMs);
        if (v.outcome !== 'sampled' && v.outcome !== 'inverted_sampled') continue;
        const n = trace.spanCount;
        if (s.used + n <= s.allocated) {
          s.used += n;
          return verdict('sampled', v.sampleRate, `sub-policy "${s.sub.name}"`);
        }
        return verdict('not_sampled', v.sampleRate, `sub-policy "${s.sub.name}" over its span budget`);
      }
      return verdict('not_sampled', 1, 'no sub-policy matched');
    },
    stateSize: () => sumStateSize(shares.map((s) => s.sub)),
  };
}
