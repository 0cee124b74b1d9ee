import type { SampledTrace } from '../model/sampled-trace.ts';
import { StatusCode } from '../model/span.ts';
import { encodeTraceRecord } from '../serde/trace-record.ts';
import { RecordWriter } from '../serde/record-buffer.ts';
import { nsToDateTime64 } from '../clickhouse/time.ts';

/** The per-trace table (migrations 009, 014): each kept-trace record, ordered by trace id. */
export const TRACE_BLOBS_TABLE = 'trace_blobs';

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
 * One `trace_blobs` row per record, in the record format of src/serde/trace-record.ts
 * (migration 014; rows before it hold the sampled-spans value as produced). `trace_error`
 * (the retention class) as in spanRows: true when the trace has an ERROR span anywhere in
 * this batch.
 */
export function traceBlobRows(records: readonly SampledTrace[]): TraceBlobRow[] {
  const errorTraces = new Set<string>();
  for (const trace of records) if (trace.spans.some((s) => s.status.code === StatusCode.ERROR)) errorTraces.add(trace.traceId);
  const out: TraceBlobRow[] = [];
  const writer = new RecordWriter(); // its bytes are copied into base64 before the next record
  for (const trace of records) {
    if (trace.spans.length === 0) continue;
    let start = trace.spans[0]?.startTimeUnixNano ?? 0n;
    let end = trace.spans[0]?.endTimeUnixNano ?? 0n;
    for (const s of trace.spans) {
      if (s.startTimeUnixNano < start) start = s.startTimeUnixNano;
      if (s.endTimeUnixNano > end) end = s.endTimeUnixNano;
    }
    out.push({
      trace_id: trace.traceId, start_time: nsToDateTime64(start), end_time: nsToDateTime64(end), span_count: trace.spans.length,
      late: trace.decision.late, trace_error: errorTraces.has(trace.traceId), record_base64: encodeTraceRecord(trace, writer).toString('base64'),
    });
  }
  return out;
}
