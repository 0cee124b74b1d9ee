/**
 * Sampling statistics: what the policies did with 100 % of decided traces, per minute (by
 * decision time), policy, root service and completion reason. Counts are plain sums, so
 * partial rows from tasks, replays and rollups add up in any order.
 */

/** One decision, as the assembler hands it over (see `decisionStat`). */
export interface DecisionStat {
  /** When the decision was made (the task's wall clock), ms since the epoch. */
  readonly decidedAtMs: number;
  readonly sampled: boolean;
  /** The top-level policy the decision is attributed to ('' with no policies). */
  readonly policy: string;
  /** Service of the trace's root span (the earliest span when the root is missing). */
  readonly service: string;
  /** Completion reason: decision_wait, root_seen, span_limit, byte_limit, max_trace_age, memory_pressure. */
  readonly reason: string;
  readonly spans: number;
  readonly sampleRate: number;
}

/**
 * What a policy aims at, in the unit its config states, cluster-wide: `sampling_percentage`
 * (probabilistic), `spans_per_second` (rate_limiting, composite totals), `bytes_per_second`
 * (bytes_limiting), `traces_per_second_per_key` (adaptive). Empty kind and 0: no target.
 */
export interface PolicyTarget {
  readonly kind: '' | 'sampling_percentage' | 'spans_per_second' | 'bytes_per_second' | 'traces_per_second_per_key';
  readonly value: number;
}

/** Decisions of one window, policy, service and completion reason (topic `sampling-decisions`). */
export interface SamplingStatsRow {
  readonly windowStartMs: number;
  readonly policy: string;
  readonly service: string;
  readonly reason: string;
  readonly targetKind: PolicyTarget['kind'];
  readonly target: number;
  readonly traces: number;
  readonly tracesKept: number;
  readonly spans: number;
  readonly spansKept: number;
}
