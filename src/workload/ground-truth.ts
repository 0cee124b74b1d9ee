/**
 * What a workload contains, known from how it was generated rather than recovered from
 * its spans: tests of sampling, edges and the ClickHouse sink compare their output to it.
 */
import type { ConnectionType } from '../edges/types.ts';

export interface TraceTruth {
  readonly traceId: string;
  /** Distinct spans (duplicate deliveries not counted, late ones counted). */
  readonly spanCount: number;
  readonly hasError: boolean;
  /** Duration of the root span. */
  readonly durationNanos: bigint;
  readonly rootService: string;
  readonly rootOperation: string;
  /** Trace start, ms since the epoch. */
  readonly startMs: number;
  /** A slow path (1–5 s) was taken on the root request's critical path. */
  readonly slow: boolean;
}

export interface GroundTruth {
  /** Per trace; empty when the workload was asked not to keep it (`keepTraceTruth: false`). */
  readonly traces: Map<string, TraceTruth>;
  /** `parent|child|connectionType` → calls. A client/server pair is one call. */
  readonly edges: Map<string, number>;
  traceCount: number;
  spanCount: number;
  errorTraceCount: number;
  /** Deliveries flagged `late` / `duplicate` (known only once the deliveries were iterated). */
  lateDeliveries: number;
  duplicateDeliveries: number;
}

export function emptyGroundTruth(): GroundTruth {
  return { traces: new Map(), edges: new Map(), traceCount: 0, spanCount: 0, errorTraceCount: 0, lateDeliveries: 0, duplicateDeliveries: 0 };
}

export function edgeKey(parent: string, child: string, type: ConnectionType): string {
  return `${parent}|${child}|${type}`;
}

export interface EdgeCount {
  readonly parent: string;
  readonly child: string;
  readonly connectionType: ConnectionType;
  readonly calls: number;
}

export function parseEdgeKey(key: string, calls = 0): EdgeCount {
  const [parent = '', child = '', type = 'other'] = key.split('|');
  return { parent, child, connectionType: type as ConnectionType, calls };
}

/** Adds one trace's edges and facts; used incrementally while generating. */
export function recordTrace(gt: GroundTruth, truth: TraceTruth, edges: ReadonlyMap<string, number>, keepTraceTruth: boolean): void {
  gt.traceCount++;
  gt.spanCount += truth.spanCount;
  if (truth.hasError) gt.errorTraceCount++;
  if (keepTraceTruth) gt.traces.set(truth.traceId, truth);
  for (const [k, n] of edges) gt.edges.set(k, (gt.edges.get(k) ?? 0) + n);
}

/** Edges sorted by parent, child, type — stable for snapshots and diffs. */
export function edgeList(gt: GroundTruth): EdgeCount[] {
  return [...gt.edges].map(([k, n]) => parseEdgeKey(k, n)).sort((a, b) => (a.parent + '|' + a.child + '|' + a.connectionType).localeCompare(b.parent + '|' + b.child + '|' + b.connectionType));
}

export function tracesWithErrors(gt: GroundTruth): Set<string> {
  const out = new Set<string>();
  for (const t of gt.traces.values()) if (t.hasError) out.add(t.traceId);
  return out;
}

/** Traces whose root lasted strictly longer than `thresholdNanos` (a latency policy's question). */
export function tracesOverLatency(gt: GroundTruth, thresholdNanos: bigint): Set<string> {
  const out = new Set<string>();
  for (const t of gt.traces.values()) if (t.durationNanos > thresholdNanos) out.add(t.traceId);
  return out;
}

/** Every service or virtual node that appears on either side of an edge. */
export function nodesOf(gt: GroundTruth): Set<string> {
  const out = new Set<string>();
  for (const k of gt.edges.keys()) {
    const e = parseEdgeKey(k);
    out.add(e.parent).add(e.child);
  }
  return out;
}

export interface GroundTruthSummary {
  readonly traces: number;
  readonly spans: number;
  readonly errorTraces: number;
  readonly errorRate: number;
  readonly lateDeliveries: number;
  readonly duplicateDeliveries: number;
  readonly edges: readonly EdgeCount[];
}

/** A compact, printable digest (counts, not per-trace data). */
export function summarizeGroundTruth(gt: GroundTruth): GroundTruthSummary {
  return {
    traces: gt.traceCount,
    spans: gt.spanCount,
    errorTraces: gt.errorTraceCount,
    errorRate: gt.traceCount === 0 ? 0 : gt.errorTraceCount / gt.traceCount,
    lateDeliveries: gt.lateDeliveries,
    duplicateDeliveries: gt.duplicateDeliveries,
    edges: edgeList(gt),
  };
}
