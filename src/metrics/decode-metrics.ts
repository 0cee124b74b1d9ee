import type { Counter, MetricsRegistry } from './registry.ts';

/** What the raw-spans decoder reports: records and spans it dead-lettered, records it re-keyed. */
export interface DecodeMetrics {
  readonly rejectedSpans: Counter;
  readonly repartitioned: Counter;
}

export function decodeMetrics(r: MetricsRegistry): DecodeMetrics {
  return {
    rejectedSpans: r.counter('tailstream_sampling_rejected_spans_total', 'Invalid spans or records sent to the dead-letter topic'),
    repartitioned: r.counter('tailstream_sampling_repartitioned_records_total', 'Records re-keyed by trace id through the repartition topic'),
  };
}
