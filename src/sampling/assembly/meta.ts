import { durationNanos, isRoot, StatusCode, type Span } from '../../model/span.ts';
import { emptySpanFilter } from './span-filter.ts';

/**
 * Per-trace summary while a trace is in flight, updated as records arrive (the spans
 * themselves live in RocksDB, one entry per input record).
 */
export interface TraceMeta {
  /** Wall-clock ms of the first and last span arrival. */
  first: number;
  last: number;
  spans: number;
  bytes: number;
  rootAt: number | null;
  error: boolean;
  /** Max span duration seen (ns): at most 2^64 - 1, span times being unsigned 64-bit. */
  maxDurationNs: bigint;
  /** When the trace is due for a decision (ms). */
  deadline: number;
  /** Where its deadline-index entry sits; the index is moved lazily (see DeadlineIndex). */
  indexedAt: number;
  /**
   * Bloom filter of the stored spans' fingerprints (span-filter.ts, span-entries.ts),
   * updated in place: copy the summary with `copyMeta`, not a spread.
   */
  spanFilter: Uint8Array;
  /**
   * Buffer entries (input records) stored so far: the next entry's number. Undefined in a
   * summary written before entries were counted (its entries are found by a prefix scan).
   */
  entries: number | undefined;
}

export function newMeta(now: number): TraceMeta {
  return { first: now, last: now, spans: 0, bytes: 0, rootAt: null, error: false, maxDurationNs: 0n, deadline: now, indexedAt: now, spanFilter: emptySpanFilter(), entries: 0 };
}

/** A copy that shares nothing mutable with `meta` (`new Uint8Array` copies; a Buffer's `slice` would not). */
export function copyMeta(meta: TraceMeta): TraceMeta {
  return { ...meta, spanFilter: new Uint8Array(meta.spanFilter) };
}

export function addSpan(meta: TraceMeta, span: Span, bytes: number, now: number): void {
  meta.spans++;
  meta.bytes += bytes;
  meta.last = now;
  if (meta.rootAt === null && isRoot(span)) meta.rootAt = now;
  if (span.status.code === StatusCode.ERROR) meta.error = true;
  const d = durationNanos(span);
  if (d > meta.maxDurationNs) meta.maxDurationNs = d;
}

export interface CompletionTimes {
  readonly decisionWaitMs: number;
  readonly rootGraceMs: number;
  readonly maxTraceAgeMs: number;
}

/** The earliest of: inactivity (decision wait), root seen + grace, and maximum trace age. */
export function deadlineOf(meta: TraceMeta, t: CompletionTimes): number {
  let d = Math.min(meta.last + t.decisionWaitMs, meta.first + t.maxTraceAgeMs);
  if (meta.rootAt !== null) d = Math.min(d, meta.rootAt + t.rootGraceMs);
  return d;
}

/** Named completion reasons (as Refinery's send reasons), recorded with each decision. */
export type CompletionReason = 'decision_wait' | 'root_seen' | 'max_trace_age' | 'span_limit' | 'byte_limit' | 'memory_pressure' | 'disk_budget';

export function completionReason(meta: TraceMeta, now: number, t: CompletionTimes): CompletionReason {
  if (now >= meta.first + t.maxTraceAgeMs) return 'max_trace_age';
  if (meta.rootAt !== null && now >= meta.rootAt + t.rootGraceMs && now < meta.last + t.decisionWaitMs) return 'root_seen';
  return 'decision_wait';
}
