/**
 * Aggregates computed from every span before sampling. Durations are kept as fixed
 * histogram buckets (DURATION_BOUNDS_MS) so windows merge exactly across tasks and rollups.
 */
/** Every connection type, for validation and the Avro enum (which must list the same symbols). */
export const CONNECTION_TYPES = ['http', 'rpc', 'messaging', 'database', 'other'] as const;
export type ConnectionType = (typeof CONNECTION_TYPES)[number];

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

/**
 * One call between two services (or a service and a virtual peer) seen in one trace,
 * before windowing. Kept separate from DependencyEdge so derivation stays pure and the
 * windowing policy lives in one place (aggregate.ts).
 */
export interface EdgeObservation {
  readonly parent: string;
  readonly child: string;
  readonly connectionType: ConnectionType;
  readonly virtualChild: boolean;
  /** Start of the call (caller side when known), ms since the epoch. */
  readonly timestampMs: number;
  readonly durationNanos: bigint;
  readonly error: boolean;
}

/** RED inputs of one span, before windowing. */
export interface SpanObservation {
  readonly service: string;
  readonly operation: string;
  /** OTLP span kind number. */
  readonly kind: number;
  /** OTLP status code number. */
  readonly statusCode: number;
  readonly timestampMs: number;
  readonly durationNanos: bigint;
  readonly error: boolean;
}
