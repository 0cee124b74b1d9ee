/**
 * Turning one observation into a one-call window row, and merging two rows of the same
 * window and identity. Merges are associative and commutative (sums, and an AND for
 * `virtualChild`), so tasks, retries after a rebalance, and rollups may combine partial
 * rows in any grouping and order and still land on the same totals.
 */
import { bucketIndex, emptyBuckets, mergeBuckets } from './histogram.ts';
import { edgeKey, metricKey } from './keys.ts';
import type { DependencyEdge, EdgeObservation, SpanMetrics, SpanObservation } from './types.ts';
import { DEFAULT_WINDOW_MS, windowStart } from './window.ts';

function oneCallBuckets(durationNanos: bigint): number[] {
  const buckets = emptyBuckets();
  const i = bucketIndex(durationNanos);
  buckets[i] = (buckets[i] ?? 0) + 1;
  return buckets;
}

type Counts = Pick<DependencyEdge, 'calls' | 'errors' | 'durationSumNanos' | 'durationBuckets'>;

/** The additive part shared by edge and metric rows: plain sums, hence order-free. */
function sumCounts(a: Counts, b: Counts): Counts {
  return {
    calls: a.calls + b.calls,
    errors: a.errors + b.errors,
    durationSumNanos: a.durationSumNanos + b.durationSumNanos,
    durationBuckets: mergeBuckets(mergeBuckets(emptyBuckets(), a.durationBuckets), b.durationBuckets),
  };
}

/** A window row holding just this call. */
export function edgeFromObservation(obs: EdgeObservation, windowMs: number = DEFAULT_WINDOW_MS): DependencyEdge {
  return {
    windowStartMs: windowStart(obs.timestampMs, windowMs),
    parent: obs.parent,
    child: obs.child,
    connectionType: obs.connectionType,
    virtualChild: obs.virtualChild,
    calls: 1,
    errors: obs.error ? 1 : 0,
    durationSumNanos: obs.durationNanos,
    durationBuckets: oneCallBuckets(obs.durationNanos),
  };
}

/** A window row holding just this span. */
export function metricFromObservation(obs: SpanObservation, windowMs: number = DEFAULT_WINDOW_MS): SpanMetrics {
  return {
    windowStartMs: windowStart(obs.timestampMs, windowMs),
    service: obs.service,
    operation: obs.operation,
    kind: obs.kind,
    statusCode: obs.statusCode,
    calls: 1,
    errors: obs.error ? 1 : 0,
    durationSumNanos: obs.durationNanos,
    durationBuckets: oneCallBuckets(obs.durationNanos),
  };
}

/**
 * Sum of two rows of the same edge. The child stays virtual only while every observation
 * says so: once any trace shows the peer sending its own spans, it is a real service.
 * Throws when the identities differ — merging different keys is a bug, not data.
 */
export function mergeEdges(a: DependencyEdge, b: DependencyEdge): DependencyEdge {
  const key = edgeKey(a);
  if (key !== edgeKey(b)) throw new Error(`cannot merge edge ${edgeKey(b)} into ${key}`);
  return {
    windowStartMs: a.windowStartMs,
    parent: a.parent,
    child: a.child,
    connectionType: a.connectionType,
    virtualChild: a.virtualChild && b.virtualChild,
    ...sumCounts(a, b),
  };
}

/** Sum of two rows of the same (window, service, operation, kind, status). Throws when they differ. */
export function mergeMetrics(a: SpanMetrics, b: SpanMetrics): SpanMetrics {
  const key = metricKey(a);
  if (key !== metricKey(b)) throw new Error(`cannot merge metrics ${metricKey(b)} into ${key}`);
  return {
    windowStartMs: a.windowStartMs,
    service: a.service,
    operation: a.operation,
    kind: a.kind,
    statusCode: a.statusCode,
    ...sumCounts(a, b),
  };
}
