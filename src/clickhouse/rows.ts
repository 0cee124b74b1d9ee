import type { DependencyEdge, SpanMetrics } from '../edges/types.ts';
import type { SamplingStatsRow } from '../model/sampling-stats.ts';
import type { Span } from '../model/span.ts';
import { StatusCode } from '../model/span.ts';
import { KIND_NAMES, STATUS_NAMES, spanToRow, type KindName, type SinkDecision, type SpanRow, type StatusName } from './span-row.ts';
import { msToDateTime } from './time.ts';

export { rowToSpan, spanToRow, type SinkDecision, type SpanRow } from './span-row.ts';

/**
 * JSONEachRow rows for the tables the sink writes. A kept trace is its span rows (whose
 * views fill `traces` and `trace_id_ts`) and its `trace_blobs` row (sink/trace-blobs.ts).
 */

/**
 * Rows of one kept trace (or of late spans of it). The error retention class is the
 * trace's: `decision.traceError` when the caller knows it (late spans), else whether any
 * span in this batch has an error.
 */
export function traceRows(spans: readonly Span[], decision: SinkDecision): SpanRow[] {
  const d = { ...decision, traceError: decision.traceError ?? spans.some((s) => s.status.code === StatusCode.ERROR) };
  return spans.map((s) => spanToRow(s, d));
}

/** Bucket counts sent sparse (index -> count): zero buckets cost nothing in sumMap. */
export type BucketMap = Record<string, number>;

export interface EdgeRow {
  window_start: string; parent: string; child: string; connection_type: string; virtual_child: boolean;
  calls: number; errors: number; duration_sum_ns: string; duration_buckets: BucketMap;
}

export interface MetricsRow {
  window_start: string; service: string; operation: string; kind: KindName; status_code: StatusName;
  calls: number; errors: number; duration_sum_ns: string; duration_buckets: BucketMap;
}

export function edgeToRow(e: DependencyEdge): EdgeRow {
  return {
    window_start: msToDateTime(e.windowStartMs), parent: e.parent, child: e.child, connection_type: e.connectionType,
    virtual_child: e.virtualChild, calls: e.calls, errors: e.errors, duration_sum_ns: e.durationSumNanos.toString(),
    duration_buckets: sparseBuckets(e.durationBuckets),
  };
}

export function metricsToRow(m: SpanMetrics): MetricsRow {
  const kind = KIND_NAMES[m.kind];
  const status = STATUS_NAMES[m.statusCode];
  if (kind === undefined || status === undefined) throw new RangeError(`span metrics with kind ${m.kind} / status ${m.statusCode}`);
  return {
    window_start: msToDateTime(m.windowStartMs), service: m.service, operation: m.operation, kind, status_code: status,
    calls: m.calls, errors: m.errors, duration_sum_ns: m.durationSumNanos.toString(), duration_buckets: sparseBuckets(m.durationBuckets),
  };
}

export interface SamplingDecisionsRow {
  window_start: string; policy: string; service: string; reason: string; target_kind: string; target: number;
  traces: number; traces_kept: number; spans: number; spans_kept: number;
}

export function samplingStatsToRow(r: SamplingStatsRow): SamplingDecisionsRow {
  return {
    window_start: msToDateTime(r.windowStartMs), policy: r.policy, service: r.service, reason: r.reason, target_kind: r.targetKind,
    target: r.target, traces: r.traces, traces_kept: r.tracesKept, spans: r.spans, spans_kept: r.spansKept,
  };
}

export function sparseBuckets(buckets: readonly number[]): BucketMap {
  const out: BucketMap = {};
  buckets.forEach((n, i) => {
    if (n !== 0) out[String(i)] = n;
  });
  return out;
}
