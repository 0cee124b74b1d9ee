import type { SampledTrace } from '../model/sampled-trace.ts';
import { serviceName, StatusCode, type Resource } from '../model/span.ts';
import { encodeTraceRecord } from '../serde/trace-record.ts';
import { RecordWriter } from '../serde/record-buffer.ts';
import { nsToDateTime64 } from '../clickhouse/time.ts';

/** The per-trace table (migrations 009, 014, 015): each kept-trace record, ordered by trace id. */
export const TRACE_BLOBS_TABLE = 'trace_blobs';

export interface TraceBlobRow {
  trace_id: string;
  start_time: string;
  end_time: string;
  span_count: number;
  late: boolean;
  trace_error: boolean;
  root_service: string;
  root_operation: string;
  services: string[];
  policy: string;
  sample_rate: number;
  record_base64: string;
}

/**
 * One `trace_blobs` row per record, in the record format of src/serde/trace-record.ts
 * (migration 014; rows before it hold the sampled-spans value as produced). `trace_error`
 * (the retention class) as in spanRows: true when the trace has an ERROR span anywhere in
 * this batch. The views of `traces` and `trace_id_ts` read these rows (migration 015), so
 * the root, services, policy and rate are what that view took from the record's span rows.
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
    let rootService = '';
    let rootOperation = '';
    const services: string[] = [];
    let resource: Resource | undefined;
    let service = '';
    for (const s of trace.spans) {
      if (s.startTimeUnixNano < start) start = s.startTimeUnixNano;
      if (s.endTimeUnixNano > end) end = s.endTimeUnixNano;
      if (s.resource !== resource) {
        // A record's spans share a few resources: the name is looked up once per run of them.
        resource = s.resource;
        service = serviceName(s);
        if (!services.includes(service)) services.push(service);
      }
      if (s.parentSpanId === '') {
        rootService = maxBytes(rootService, service);
        rootOperation = maxBytes(rootOperation, s.name);
      }
    }
    const { policy, sampleRate, late } = trace.decision;
    out.push({
      trace_id: trace.traceId, start_time: nsToDateTime64(start), end_time: nsToDateTime64(end), span_count: trace.spans.length,
      late, trace_error: errorTraces.has(trace.traceId), root_service: rootService, root_operation: rootOperation, services,
      policy, sample_rate: sampleRate, record_base64: encodeTraceRecord(trace, writer).toString('base64'),
    });
  }
  return out;
}

/** The greater of two strings as ClickHouse's max() orders them: by their UTF-8 bytes. */
function maxBytes(a: string, b: string): string {
  if (a === b || b === '') return a;
  if (a === '') return b;
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) >= 0 ? a : b;
}
