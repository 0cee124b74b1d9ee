import type { TagFilter } from './tags.ts';

/** Span kinds as Jaeger names them (lower case); `unspecified` is OTLP's 0. */
export const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
export type SpanKindName = (typeof SPAN_KINDS)[number];

/**
 * One trace search, both APIs parse into it. Every condition applies to a single span of
 * `service` (Jaeger's span-level semantics): a trace matches when one of its spans of the
 * service has the operation, every tag, a duration within the bounds and a start time in
 * [startNs, endNs]. Results are whole traces. Without a service (api_v3 allows it) the
 * span may be of any service.
 */
export interface TraceQuery {
  readonly service?: string;
  readonly operation?: string;
  readonly tags: readonly TagFilter[];
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly minDurationNs?: bigint;
  readonly maxDurationNs?: bigint;
  readonly limit: number;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 1500;
/** When the caller gives no start: Jaeger UI's default "last hour". */
export const DEFAULT_LOOKBACK_NS = 3_600_000_000_000n;
