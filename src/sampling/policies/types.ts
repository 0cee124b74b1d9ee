import type { Span } from '../../model/span.ts';

/**
 * What a policy sees of a trace at decision time. `spans` may hold fewer spans than
 * `spanCount` when the buffer hit its size limit: policies read attributes from `spans`
 * and counts from `spanCount`, so a truncated trace is still counted honestly.
 */
export interface TraceView {
  readonly traceId: string;
  readonly spans: readonly Span[];
  readonly spanCount: number;
  readonly byteSize: number;
  readonly firstArrivalMs: number;
  readonly lastArrivalMs: number;
}

/**
 * A policy's vote, with the OTel Collector tail sampler's meanings:
 * - `inverted_not_sampled` (an `invert_match` policy that matched) vetoes every `sampled`;
 * - `inverted_sampled` keeps only when no policy said `not_sampled`;
 * - `dropped` (a `drop` policy whose sub-policies all matched) wins over everything.
 */
export type Outcome =
  | 'sampled'
  | 'not_sampled'
  | 'inverted_sampled'
  | 'inverted_not_sampled'
  | 'dropped';

/**
 * `sampleRate` is 1/p of the keep probability the policy applied (1 for "keep all that
 * match"), reported even on `not_sampled` so a drop can say what rate it would have had.
 */
export interface Verdict {
  readonly outcome: Outcome;
  readonly sampleRate: number;
  /** Short human explanation, copied into the decision's reason. */
  readonly detail?: string;
}

/**
 * One configured policy. `nowMs` is the caller's clock (stream or wall time from the
 * processor context), so stateful policies (rate limits, adaptive) are testable with
 * fake time and never read `Date.now()`.
 */
export interface PolicyEvaluator {
  readonly name: string;
  evaluate(trace: TraceView, nowMs: number): Verdict;
  /** Entries held in bounded internal state, for metrics; absent when stateless. */
  stateSize?(): number;
}

/** Shorthand for verdicts of policies that keep everything they match. */
export function verdict(outcome: Outcome, sampleRate = 1, detail?: string): Verdict {
  return detail === undefined ? { outcome, sampleRate } : { outcome, sampleRate, detail };
}

/** Matches-means-keep for plain policies; `invert_match` flips to the inverted outcomes. */
export function matchVerdict(matched: boolean, invert: boolean, detail?: string): Verdict {
  if (!invert) return verdict(matched ? 'sampled' : 'not_sampled', 1, detail);
  return verdict(matched ? 'inverted_not_sampled' : 'inverted_sampled', 1, detail);
}
