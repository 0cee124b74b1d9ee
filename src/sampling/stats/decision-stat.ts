import type { Span } from '../../model/span.ts';
import { serviceName } from '../../model/span.ts';
import { rootSpan } from '../adaptive.ts';
import type { DecisionStat } from '../../model/sampling-stats.ts';

/**
 * The statistics payload of one decision: what a decision point hands to the
 * sampling-stats processor (one forward per decided trace).
 */
export function decisionStat(
  d: { readonly sampled: boolean; readonly policy: string; readonly sampleRate: number },
  reason: string,
  spans: readonly Span[],
  spanCount: number,
  decidedAtMs: number,
): DecisionStat {
  const root = rootSpan(spans);
  return {
    decidedAtMs,
    sampled: d.sampled,
    policy: d.policy,
    service: root === undefined ? '' : serviceName(root),
    reason,
    spans: spanCount,
    sampleRate: d.sampleRate,
  };
}
