/** Edges and RED metrics derived from whole traces, and their per-window aggregation. */
export { deriveEdges } from './derive-edges.ts';
export { deriveSpanMetrics } from './derive-span-metrics.ts';
export { EdgeAggregate, MetricAggregate, WindowedFold } from './aggregate.ts';
export { foldEdges, foldMetrics } from './fold.ts';
export { edgeFromObservation, mergeEdges, mergeMetrics, metricFromObservation } from './merge.ts';
export {
  EDGE_KEY_PREFIX,
  METRIC_KEY_PREFIX,
  edgeKey,
  edgeKeysBefore,
  edgeWindowPrefix,
  metricKey,
  metricKeysBefore,
  metricWindowPrefix,
  parseEdgeKey,
  parseMetricKey,
} from './keys.ts';
export type { EdgeIdentity, KeyRange, MetricIdentity } from './keys.ts';
export { DEFAULT_WINDOW_MS, windowStart } from './window.ts';
export { CONNECTION_TYPES } from './types.ts';
export type { ConnectionType, DependencyEdge, EdgeObservation, SpanMetrics, SpanObservation } from './types.ts';
