import { decodeMetrics, type DecodeMetrics } from '../../metrics/decode-metrics.ts';
import { LATENCY_BOUNDS_MS, type Counter, type Gauge, type Histogram, type MetricsRegistry } from '../../metrics/registry.ts';

/** What tail sampling exposes: its decoder's counters, in-flight traces and bytes, decisions by policy and reason, late spans. */
export interface SamplingMetrics extends DecodeMetrics {
  readonly tracesInFlight: Gauge;
  readonly bytesInFlight: Gauge;
  readonly spansBuffered: Gauge;
  readonly decisionsCached: Gauge;
  readonly policyState: Gauge;
  readonly decisions: Counter;
  readonly earlyDecisions: Counter;
  readonly lateSpans: Counter;
  readonly duplicateSpans: Counter;
  readonly decisionLatencyMs: Histogram;
}

export function samplingMetrics(r: MetricsRegistry): SamplingMetrics {
  return {
    tracesInFlight: r.gauge('tailstream_sampling_traces_in_flight', 'Traces buffered and not yet decided, per task'),
    bytesInFlight: r.gauge('tailstream_sampling_bytes_in_flight', 'Serialized bytes of buffered spans, per task'),
    spansBuffered: r.gauge('tailstream_sampling_spans_buffered', 'Spans buffered in RocksDB awaiting a decision'),
    decisionsCached: r.gauge('tailstream_sampling_decisions_cached', 'Entries in the decision cache, per task'),
    policyState: r.gauge(
      'tailstream_sampling_policy_state_entries',
      'Entries held by a stateful policy (adaptive keys, bounded by max_keys; regex match cache, by cache_max_size), per task and policy',
    ),
    decisions: r.counter('tailstream_sampling_decisions_total', 'Trace decisions by policy, completion reason and outcome'),
    earlyDecisions: r.counter('tailstream_sampling_early_decisions_total', 'Traces decided early because an in-flight limit or the state disk budget was reached'),
    lateSpans: r.counter('tailstream_sampling_late_spans_total', 'Spans arriving after their trace was decided, by outcome'),
    duplicateSpans: r.counter('tailstream_sampling_duplicate_spans_total', 'Retried spans already buffered (stored once)'),
    decisionLatencyMs: r.histogram('tailstream_sampling_decision_latency_ms', 'First span arrival to decision', LATENCY_BOUNDS_MS.concat([60000, 300000])),
    ...decodeMetrics(r),
  };
}

/** What the buffer gauges read: the in-memory in-flight set, its bytes, the decision cache. */
export interface BufferSizes {
  readonly inFlight: { readonly size: number };
  readonly bytesInFlight: number;
  readonly decisions: { readonly size: number };
}

/** Sets the per-task buffer gauges (both the buffer and the decide processor change them). */
export function publishBufferGauges(metrics: SamplingMetrics, taskId: number, buffer: BufferSizes): void {
  const task = { task: taskId };
  metrics.tracesInFlight.set(buffer.inFlight.size, task);
  metrics.bytesInFlight.set(buffer.bytesInFlight, task);
  metrics.decisionsCached.set(buffer.decisions.size, task);
}
