import { windowStart } from '../../edges/window.ts';
import type { DecisionStat, PolicyTarget, SamplingStatsRow } from '../../model/sampling-stats.ts';

/** A window row holding just this decision. */
export function statsRowOf(d: DecisionStat, target: PolicyTarget, windowMs: number): SamplingStatsRow {
  return {
    windowStartMs: windowStart(d.decidedAtMs, windowMs),
    policy: d.policy,
    service: d.service,
    reason: d.reason,
    targetKind: target.kind,
    target: target.value,
    traces: 1,
    tracesKept: d.sampled ? 1 : 0,
    spans: d.spans,
    spansKept: d.sampled ? d.spans : 0,
  };
}

/** Sum of two rows of the same key (the target is the newer row's: config may change). */
export function mergeStatsRows(a: SamplingStatsRow, b: SamplingStatsRow): SamplingStatsRow {
  if (statsKey(a) !== statsKey(b)) throw new Error(`cannot merge sampling stats ${statsKey(b)} into ${statsKey(a)}`);
  return {
    ...b,
    traces: a.traces + b.traces,
    tracesKept: a.tracesKept + b.tracesKept,
    spans: a.spans + b.spans,
    spansKept: a.spansKept + b.spansKept,
  };
}

const pad = (ms: number): string => String(Math.max(0, Math.floor(ms))).padStart(13, '0');

/**
 * Store key `<window ms>\0["policy","service","reason"]`: windows sort first, so the closed
 * ones are one range scan; JSON keeps names holding any separator apart.
 */
export function statsKey(r: Pick<SamplingStatsRow, 'windowStartMs' | 'policy' | 'service' | 'reason'>): string {
  return `${pad(r.windowStartMs)}\u0000${JSON.stringify([r.policy, r.service, r.reason])}`;
}

/** Lower bound of the keys of windows starting at or after `ms`. */
export const statsKeysFrom = (ms: number): string => pad(ms);

/** Topic key of an emitted row: rows of one policy and service go to one partition. */
export const statsTopicKey = (r: SamplingStatsRow): string => `${r.policy}|${r.service}`;
