import type { PolicyConfig } from './config-policy-types.ts';

/**
 * One task's share of the configured policies: every rate budget (`rate_limiting`,
 * `bytes_limiting`, `composite` totals, `adaptive` targets) divided by the number of tasks,
 * so a configured rate means the whole cluster. Trace ids spread traces evenly over the
 * partitions of raw-spans, and the task count is that partition count: it does not change
 * when instances are added or removed, so neither does the kept rate.
 */
export function taskShareOf(policies: readonly PolicyConfig[], tasks: number): PolicyConfig[] {
  if (!Number.isSafeInteger(tasks) || tasks < 1) throw new RangeError(`task count must be a positive integer, got ${tasks}`);
  return policies.map((p) => shareOf(p, tasks));
}

function shareOf(p: PolicyConfig, n: number): PolicyConfig {
  switch (p.type) {
    case 'rate_limiting':
      return { ...p, rate_limiting: { spans_per_second: p.rate_limiting.spans_per_second / n } };
    case 'bytes_limiting':
      return { ...p, bytes_limiting: { bytes_per_second: p.bytes_limiting.bytes_per_second / n, burst_capacity: p.bytes_limiting.burst_capacity / n } };
    case 'adaptive':
      return { ...p, adaptive: { ...p.adaptive, target_traces_per_second: p.adaptive.target_traces_per_second / n } };
    case 'composite':
      return {
        ...p,
        composite: {
          ...p.composite,
          max_total_spans_per_second: p.composite.max_total_spans_per_second / n,
          composite_sub_policy: p.composite.composite_sub_policy.map((s) => shareOf(s, n)),
        },
      };
    case 'and':
      return { ...p, and: { and_sub_policy: p.and.and_sub_policy.map((s) => shareOf(s, n)) } };
    case 'not':
      return { ...p, not: { not_sub_policy: shareOf(p.not.not_sub_policy, n) } };
    case 'drop':
      return { ...p, drop: { drop_sub_policy: p.drop.drop_sub_policy.map((s) => shareOf(s, n)) } };
    default:
      return p;
  }
}
