import type { SampledTrace } from '../model/sampled-trace.ts';
import { StatusCode } from '../model/span.ts';
import type { Serde } from '../serde/serde.ts';
import { nsToDateTime64 } from '../clickhouse/time.ts';

/** The per-trace table (migration 009): each kept-trace record's bytes, ordered by trace id. */
export const TRACE_BLOBS_TABLE = 'trace_blobs';

/** A `sampled-spans` record as the sink reads it: the decoded trace and the bytes it came in. */
export interface RawSampledTrace {
  readonly trace: SampledTrace;
  /** The record value as produced (Confluent-framed Avro SampledTrace). */
  readonly bytes: Buffer;
}

export function isRawSampledTrace(v: unknown): v is RawSampledTrace {
  return typeof v === 'object' && v !== null && 'trace' in v && 'bytes' in v && Buffer.isBuffer((v as RawSampledTrace).bytes);
}

/**
 * The sink's source serde for sampled-spans: decodes as `inner` and keeps a copy of the
 * bytes, so `trace_blobs` stores the record as produced without encoding it again (the
 * copy, because a broker may reuse the buffer it read into).
 */
export function keepRecordBytes(inner: Serde<SampledTrace>): Serde<RawSampledTrace> {
  return {
    serialize: (r) => r.bytes,
    deserialize: (b) => ({ trace: inner.deserialize(b), bytes: Buffer.from(b) }),
  };
}

export interface TraceBlobRow {
  trace_id: string;
  start_time: string;
  end_time: string;
  span_count: number;
  late: boolean;
  trace_error: boolean;
  record_base64: string;
}

/**
 * One `trace_blobs` row per record. `trace_error` (the retention class) as in spanRows:
 * true when the trace has an ERROR span anywhere in this batch.
 */
export function traceBlobRows(records: readonly RawSampledTrace[]): TraceBlobRow[] {
  const errorTraces = new Set<string>();
  for (const { trace } of records) if (trace.spans.some((s) => s.status.code === StatusCode.ERROR)) errorTraces.add(trace.traceId);
  const out: TraceBlobRow[] = [];
  for (const { trace, bytes } of records) {
    if (trace.spans.length === 0) continue;
    let start = trace.spans[0]?.startTimeUnixNano ?? 0n;
    let end = trace.spans[0]?.endTimeUnixNano ?? 0n;
    for (const s of trace.spans) {
      if (s.startTimeUnixNano < start) start = s.startTimeUnixNano;
      if (s.endTimeUnixNano > end) end = s.endTimeUnixNano;
    }
    out.push({
      trace_id: trace.traceId, start_time: nsToDateTime64(start), end_time: nsToDateTime64(end), span_count: trace.spans.length,
      late: trace.decision.late, trace_error: errorTraces.has(trace.traceId), record_base64: bytes.toString('base64'),
    });
  }
  return out;
}
