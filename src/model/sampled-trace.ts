import type { Span } from './span.ts';

/**
 * Why a trace was kept, carried with it to ClickHouse so counts can be re-weighted by
 * `1 / sampleRate` and every kept trace can say which policy kept it.
 */
export interface SamplingDecision {
  readonly policy: string;
  /** Probability the trace was kept with (1 = always). */
  readonly sampleRate: number;
  readonly reason: string;
  /** True for spans that arrived after the decision and followed a cached keep. */
  readonly late: boolean;
  readonly decidedAtMs: number;
}

/** The value of `sampled-spans`: a kept trace's spans and its decision. */
export interface SampledTrace {
  readonly traceId: string;
  readonly spans: readonly Span[];
  readonly decision: SamplingDecision;
}
