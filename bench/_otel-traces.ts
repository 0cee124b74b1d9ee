/**
 * The OpenTelemetry Collector ClickHouse exporter's trace schema (its documented DDL:
 * otel_traces ordered by (ServiceName, SpanName, toDateTime(Timestamp)) with a TraceId
 * bloom filter, plus the otel_traces_trace_id_ts lookup fed by a materialized view), the
 * exporter's row mapping, and our six queries written against it — for bench/clickhouse.ts.
 */
import type { AnyValue, Attributes, Span } from '../src/model/span.ts';
import { durationNanos, serviceName } from '../src/model/span.ts';
import { nsToDateTime64 } from '../src/clickhouse/time.ts';

export const OTEL_DDL = [
  `CREATE TABLE otel_traces (
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (Timestamp DateTime64(9), Name LowCardinality(String), Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
    Links Nested (TraceId String, SpanId String, TraceState String, Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
  ) ENGINE = MergeTree
  PARTITION BY toDate(Timestamp)
  ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
  `CREATE TABLE otel_traces_trace_id_ts (
    TraceId String CODEC(ZSTD(1)),
    Start DateTime CODEC(Delta, ZSTD(1)),
    End DateTime CODEC(Delta, ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1
  ) ENGINE = MergeTree
  PARTITION BY toDate(Start)
  ORDER BY (TraceId, Start)
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
  `CREATE MATERIALIZED VIEW otel_traces_trace_id_ts_mv TO otel_traces_trace_id_ts AS
  SELECT TraceId, min(Timestamp) AS Start, max(Timestamp) AS End
  FROM otel_traces WHERE TraceId != '' GROUP BY TraceId`,
];

const KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS = ['Unset', 'Ok', 'Error'];

/** The exporter stringifies every attribute value (AnyValue -> its string form). */
function str(v: AnyValue): string {
  switch (v.type) {
    case 'string': return v.value;
    case 'int': return v.value.toString();
    case 'double': case 'bool': return String(v.value);
    case 'bytes': return Buffer.from(v.value).toString('base64');
    case 'array': return JSON.stringify(v.values.map(str));
    case 'kvlist': return JSON.stringify(Object.fromEntries(v.values.map((kv) => [kv.key, str(kv.value)])));
    case 'empty': return '';
  }
}
const map = (a: Attributes): Record<string, string> => Object.fromEntries(a.map((kv) => [kv.key, str(kv.value)]));

export function otelRow(s: Span): object {
  return {
    Timestamp: nsToDateTime64(s.startTimeUnixNano), TraceId: s.traceId, SpanId: s.spanId, ParentSpanId: s.parentSpanId,
    TraceState: s.traceState, SpanName: s.name, SpanKind: KINDS[s.kind], ServiceName: serviceName(s),
    ResourceAttributes: map(s.resource.attributes), ScopeName: s.scope.name, ScopeVersion: s.scope.version,
    SpanAttributes: map(s.attributes), Duration: durationNanos(s).toString(), StatusCode: STATUS[s.status.code], StatusMessage: s.status.message,
    'Events.Timestamp': s.events.map((e) => nsToDateTime64(e.timeUnixNano)), 'Events.Name': s.events.map((e) => e.name),
    'Events.Attributes': s.events.map((e) => map(e.attributes)),
    'Links.TraceId': s.links.map((l) => l.traceId), 'Links.SpanId': s.links.map((l) => l.spanId),
    'Links.TraceState': s.links.map((l) => l.traceState), 'Links.Attributes': s.links.map((l) => map(l.attributes)),
  };
}

const traceSummary = `TraceId AS trace_id, min(Timestamp) AS trace_start, max(addNanoseconds(Timestamp, Duration)) AS trace_end,
    toUnixTimestamp64Nano(trace_end) - toUnixTimestamp64Nano(trace_start) AS duration_ns,
    anyIf(ServiceName, ParentSpanId = '') AS root_service_name, anyIf(SpanName, ParentSpanId = '') AS root_operation_name,
    count() AS span_total, countIf(StatusCode = 'Error') AS error_total`;
const quantiles = `count() AS calls, countIf(StatusCode = 'Error') AS errors, errors / calls AS error_rate,
    quantiles(0.5, 0.95, 0.99)(Duration / 1e6) AS q, q[1] AS p50_ms, q[2] AS p95_ms, q[3] AS p99_ms`;

/** Our six queries on the exporter's schema: same parameters, same answers (from raw spans). */
export const OTEL_QUERIES: Record<string, string> = {
  trace_by_id: `WITH (SELECT min(Start) FROM otel_traces_trace_id_ts WHERE TraceId = {trace_id:String}) AS lo,
    (SELECT max(End) + 1 FROM otel_traces_trace_id_ts WHERE TraceId = {trace_id:String}) AS hi
    SELECT * FROM otel_traces WHERE TraceId = {trace_id:String} AND Timestamp >= lo AND Timestamp <= hi ORDER BY Timestamp, SpanId`,
  slowest_traces: `SELECT ${traceSummary}, groupUniqArray(ServiceName) AS service_names FROM otel_traces
    WHERE Timestamp >= now64(9) - toIntervalHour({hours:UInt32}) AND TraceId IN (SELECT TraceId FROM otel_traces
      WHERE Timestamp >= now64(9) - toIntervalHour({hours:UInt32}) AND ServiceName = {service:String})
    GROUP BY TraceId ORDER BY duration_ns DESC, trace_id LIMIT {limit:UInt32}`,
  error_traces: `SELECT ${traceSummary}, groupUniqArray(ServiceName) AS service_names FROM otel_traces
    WHERE Timestamp >= now64(9) - INTERVAL 1 HOUR GROUP BY TraceId HAVING error_total > 0
    ORDER BY trace_start DESC, trace_id LIMIT {limit:UInt32}`,
  operation_latency: `SELECT ServiceName AS service, SpanName AS operation, ${quantiles} FROM otel_traces
    WHERE Timestamp >= {start:DateTime('UTC')} AND Timestamp < {end:DateTime('UTC')} AND ServiceName = {service:String}
    GROUP BY service, operation ORDER BY calls DESC, operation`,
  service_graph: `SELECT p.ServiceName AS parent, c.ServiceName AS child, ${quantiles.replaceAll('StatusCode', 'c.StatusCode').replaceAll('Duration', 'c.Duration')}
    FROM otel_traces AS c INNER JOIN otel_traces AS p ON c.TraceId = p.TraceId AND c.ParentSpanId = p.SpanId
    WHERE c.Timestamp >= {start:DateTime('UTC')} AND c.Timestamp < {end:DateTime('UTC')}
      AND p.Timestamp >= {start:DateTime('UTC')} - INTERVAL 1 HOUR AND p.ServiceName != c.ServiceName
    GROUP BY parent, child ORDER BY parent, child`,
  traces_by_attribute: `SELECT ${traceSummary} FROM otel_traces WHERE Timestamp >= now64(9) - toIntervalHour({hours:UInt32})
    AND TraceId IN (SELECT TraceId FROM otel_traces WHERE Timestamp >= now64(9) - toIntervalHour({hours:UInt32})
      AND (SpanAttributes[{key:String}] = {value:String} OR ResourceAttributes[{key:String}] = {value:String}))
    GROUP BY TraceId ORDER BY trace_start DESC, trace_id LIMIT {limit:UInt32}`,
};
