import type { PolicyConfig } from '../config-policy-types.ts';
import type { PolicyTarget } from '../../model/sampling-stats.ts';

const NONE: PolicyTarget = { kind: '', value: 0 };

/** The configured, cluster-wide target of a top-level policy, if its type has one. */
export function policyTarget(p: PolicyConfig): PolicyTarget {
  switch (p.type) {
    case 'probabilistic':
      return { kind: 'sampling_percentage', value: p.probabilistic.sampling_percentage };
    case 'rate_limiting':
      return { kind: 'spans_per_second', value: p.rate_limiting.spans_per_second };
    case 'composite':
      return { kind: 'spans_per_second', value: p.composite.max_total_spans_per_second };
    case 'bytes_limiting':
      return { kind: 'bytes_per_second', value: p.bytes_limiting.bytes_per_second };
    case 'adaptive':
      return { kind: 'traces_per_second_per_key', value: p.adaptive.target_traces_per_second };
    default:
      return NONE;
  }
}

/** Targets by top-level policy name; a name not configured has none. */
export function policyTargets(policies: readonly PolicyConfig[]): (policy: string) => PolicyTarget {
  const byName = new Map(policies.map((p) => [p.name, policyTarget(p)]));
  return (policy) => byName.get(policy) ?? NONE;
}
