/**
 * Aggregates computed from every span before sampling. Durations are kept as fixed
 * histogram buckets (DURATION_BOUNDS_MS) so windows merge exactly across tasks and rollups.
 */
export type ConnectionType = 'http' | 'rpc' | 'messaging' | 'database' | 'other';

export interface DependencyEdge {
  /** Start of the one-minute window, ms since the epoch. */
  readonly windowStartMs: number;
  readonly parent: string;
  readonly child: string;
  readonly connectionType: ConnectionType;
  /** The child is a virtual node (uninstrumented peer, database, messaging destination). */
  readonly virtualChild: boolean;
  readonly calls: number;
  readonly errors: number;
  readonly durationSumNanos: bigint;
  /** Counts per bucket; length DURATION_BOUNDS_MS.length + 1 (last = overflow). */
  readonly durationBuckets: readonly number[];
}

export interface SpanMetrics {
  readonly windowStartMs: number;
  readonly service: string;
  readonly operation: string;
  /** OTLP span kind number. */
  readonly kind: number;
  /** OTLP status code number. */
  readonly statusCode: number;
  readonly calls: number;
  readonly errors: number;
  readonly durationSumNanos: bigint;
  readonly durationBuckets: readonly number[];
}
