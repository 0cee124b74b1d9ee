import type { QueryClient } from './reader.ts';

/**
 * api_v3 `TraceSummary` (Jaeger 2.x query_service.proto) in proto3 JSON: 64-bit times as
 * decimal strings. Zero counts are written out (Jaeger's jsonpb leaves them out; proto3
 * JSON readers take both the same).
 */
export interface TraceSummaryJson {
  readonly traceId: string;
  readonly rootServiceName: string;
  readonly rootOperationName: string;
  readonly minStartTimeUnixNano: string;
  readonly maxEndTimeUnixNano: string;
  readonly spanCount: number;
  readonly errorSpanCount: number;
  readonly orphanSpanCount: number;
  /** One per service, sorted by name. */
  readonly services: readonly { readonly name: string; readonly spanCount: number; readonly errorSpanCount: number }[];
}

/**
 * Summaries computed in ClickHouse, as Jaeger's summarizeTrace defines them: the root is
 * the earliest span without a parent ('' when none), an orphan a span whose parent id is
 * not in the trace, errors are spans with status ERROR. Spans that share a span id but
 * differ count separately; replayed copies (same content_hash) once.
 */
export const TRACE_SUMMARIES_SQL = `WITH trace_spans AS (
    SELECT trace_id, span_id, parent_span_id, service_name, name, start_time, end_time, status_code
    FROM spans
    WHERE trace_id IN {ids:Array(String)}
      AND start_time >= (SELECT min(start) FROM trace_id_ts WHERE trace_id IN {ids:Array(String)})
      AND start_time <= (SELECT max(end) FROM trace_id_ts WHERE trace_id IN {ids:Array(String)})
    LIMIT 1 BY trace_id, span_id, content_hash
)
SELECT
    s.trace_id AS trace_id,
    argMinIf(s.service_name, s.start_time, s.parent_span_id = '') AS root_service,
    argMinIf(s.name, s.start_time, s.parent_span_id = '') AS root_operation,
    toString(min(toUnixTimestamp64Nano(s.start_time))) AS min_start,
    toString(max(toUnixTimestamp64Nano(s.end_time))) AS max_end,
    count() AS span_count,
    countIf(s.status_code = 'ERROR') AS error_count,
    countIf(s.parent_span_id != '' AND p.span_id = '') AS orphan_count,
    sumMap([toString(s.service_name)], [toUInt64(1)]) AS per_service,
    sumMap([toString(s.service_name)], [toUInt64(s.status_code = 'ERROR')]) AS per_service_errors
FROM trace_spans AS s
LEFT JOIN (SELECT DISTINCT trace_id, span_id FROM trace_spans) AS p ON s.trace_id = p.trace_id AND s.parent_span_id = p.span_id
GROUP BY s.trace_id
SETTINGS join_use_nulls = 0`;

interface SummaryRow {
  readonly trace_id: string;
  readonly root_service: string;
  readonly root_operation: string;
  readonly min_start: string;
  readonly max_end: string;
  readonly span_count: string;
  readonly error_count: string;
  readonly orphan_count: string;
  readonly per_service: [string[], string[]];
  readonly per_service_errors: [string[], string[]];
}

/** Summaries of the given traces, in the order of `ids`; ids without spans are left out. */
export async function readTraceSummaries(client: QueryClient, ids: readonly string[]): Promise<TraceSummaryJson[]> {
  if (ids.length === 0) return [];
  const rs = await client.query({ query: TRACE_SUMMARIES_SQL, format: 'JSONEachRow', query_params: { ids: [...ids] } });
  const byId = new Map((await rs.json<SummaryRow>()).map((r) => [r.trace_id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (r === undefined) return [];
    const [errNames, errCounts] = r.per_service_errors;
    const errors = new Map(errNames.map((n, i) => [n, Number(errCounts[i])]));
    const [names, counts] = r.per_service;
    return [{
      traceId: r.trace_id, rootServiceName: r.root_service, rootOperationName: r.root_operation,
      minStartTimeUnixNano: r.min_start, maxEndTimeUnixNano: r.max_end,
      spanCount: Number(r.span_count), errorSpanCount: Number(r.error_count), orphanSpanCount: Number(r.orphan_count),
      services: names.map((name, i) => ({ name, spanCount: Number(counts[i]), errorSpanCount: errors.get(name) ?? 0 })),
    }];
  });
}
