import type { SampledTrace } from '../model/sampled-trace.ts';
import type { Span } from '../model/span.ts';
import { InProcessRegistry } from '../serde/registry.ts';
import { sampledTraceSerde } from '../serde/avro-serde.ts';
import { loadQuery } from '../clickhouse/queries.ts';
import { decodeTraceRecord, isTraceRecord } from '../serde/trace-record.ts';
import type { QueryClient, StoredSpan } from './reader.ts';

/** Decodes a `sampled-spans` record value (Confluent-framed Avro SampledTrace): rows written before migration 014. */
export type RecordDecoder = (bytes: Buffer) => Promise<SampledTrace>;

/** The in-process registry's decoder: schema ids are derived from the schemas in `schemas/`. */
export function inProcessDecoder(): RecordDecoder {
  const serde = sampledTraceSerde(InProcessRegistry.fromDir());
  return async (bytes) => (await serde).deserializeAsync(bytes);
}

/** Every record of the given traces, LIMIT 1 BY hiding replayed copies before the replacing merge. */
export const TRACE_BLOBS_BY_IDS_SQL = `SELECT trace_id, base64Encode(record) AS record
FROM trace_blobs
WHERE trace_id IN {ids:Array(String)}
LIMIT 1 BY trace_id, chunk_hash`;

interface BlobRow {
  trace_id: string;
  record: string;
}

/**
 * Trace reads from `trace_blobs` (migration 009): one primary-key lookup returns each
 * trace's records (the spans at its decision, then each batch of late spans), decoded
 * and merged here: the record format of src/serde/trace-record.ts (014), or for older
 * rows the sampled-spans value, through `decode`. Traces it does not hold (written before the table existed, or by a
 * writer that kept no record bytes) are left to the caller's `spans` read.
 */
export class TraceBlobReader {
  constructor(
    private readonly client: QueryClient,
    private readonly decode: RecordDecoder,
  ) {}

  /** Spans per trace id found; a trace without records is absent from the map. */
  async traces(ids: readonly string[], one = false): Promise<Map<string, StoredSpan[]>> {
    const rs = one
      ? await this.client.query({ query: loadQuery('trace_by_id'), format: 'JSONEachRow', query_params: { trace_id: ids[0] } })
      : await this.client.query({ query: TRACE_BLOBS_BY_IDS_SQL, format: 'JSONEachRow', query_params: { ids: [...ids] } });
    const records = new Map<string, SampledTrace[]>();
    for (const row of await rs.json<BlobRow>()) {
      const list = records.get(row.trace_id) ?? [];
      const bytes = Buffer.from(row.record, 'base64');
      list.push(isTraceRecord(bytes) ? decodeTraceRecord(bytes) : await this.decode(bytes));
      records.set(row.trace_id, list);
    }
    const out = new Map<string, StoredSpan[]>();
    for (const [id, list] of records) out.set(id, mergeRecords(list));
    return out;
  }
}

/**
 * The spans of a trace's records, each once, in start order (then span id), as the
 * `spans` read returns them. A span that reached the sink in two records (an
 * at-least-once replay that re-decided the trace) is one span when its identity and
 * timing are the same; the first record's decision wins.
 */
export function mergeRecords(records: readonly SampledTrace[]): StoredSpan[] {
  const seen = new Set<string>();
  const out: StoredSpan[] = [];
  for (const r of records) {
    const { policy, sampleRate, late } = r.decision;
    for (const span of r.spans) {
      const key = spanKey(span);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ span, policy, sampleRate, late });
    }
  }
  return out.sort((a, b) => cmp(a.span.startTimeUnixNano, b.span.startTimeUnixNano) || (a.span.spanId < b.span.spanId ? -1 : a.span.spanId > b.span.spanId ? 1 : 0));
}

function spanKey(s: Span): string {
  return `${s.spanId}|${s.parentSpanId}|${s.kind}|${s.name}|${s.startTimeUnixNano}|${s.endTimeUnixNano}|${s.status.code}|${s.attributes.length}`;
}

const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
