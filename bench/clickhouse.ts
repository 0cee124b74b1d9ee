/**
 * The ClickHouse sink on chdb: N spans of the seeded workload written as the sink writes a
 * batch (insertKeptTraces: trace_blobs records and span rows, dedup tokens, views) beside
 * a raw insert of the very same rows (same client and format, no token, no views; every
 * RAW_EVERY-th batch) and the OTel
 * Collector exporter's schema loaded with the same spans; bytes per span on disk; and each
 * sql/queries/*.sql query on both schemas (median of 5).
 * Usage: BENCH_SPANS=1000000 [BENCH_KEEP=1] npm run bench -- clickhouse [spans]
 *        BENCH_DATA_DIR=<kept dir> npm run bench -- clickhouse   (queries only, on kept data)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { deriveEdges } from '../src/edges/derive-edges.ts';
import { deriveSpanMetrics } from '../src/edges/derive-span-metrics.ts';
import { edgeFromObservation, mergeEdges, mergeMetrics, metricFromObservation } from '../src/edges/merge.ts';
import { edgeKey, metricKey } from '../src/edges/keys.ts';
import type { DependencyEdge, SpanMetrics } from '../src/edges/types.ts';
import type { SampledTrace } from '../src/model/sampled-trace.ts';
import { serviceName, type Span } from '../src/model/span.ts';
import { openClickHouse } from '../src/clickhouse/client.ts';
import { migrate } from '../src/clickhouse/migrate.ts';
import { loadQuery, QUERY_NAMES } from '../src/clickhouse/queries.ts';
import { edgeToRow, metricsToRow } from '../src/clickhouse/rows.ts';
import { insertKeptTraces, spanRows } from '../src/sink/sink-routes.ts';
import { ClickHouseWriter, columnList, positional } from '../src/sink/writer.ts';
import { generateWorkload } from '../src/workload/generator.ts';
import { OTEL_DDL, OTEL_QUERIES, otelRow } from './_otel-traces.ts';

const BATCH = 10_000;
/** The raw baseline inserts every RAW_EVERY-th batch again (same rows, same format), so a 10 M run does not pay for a third full copy; the ratio compares those batches only. */
const RAW_EVERY = Number(process.env['BENCH_RAW_EVERY'] ?? 5);
const print = (name: string, value: number, unit: string) => console.log(`${name} ${Number.isInteger(value) ? value : value.toFixed(3)} ${unit}`);
const progress = (msg: string) => process.stderr.write(`[clickhouse] ${msg}\n`);

/** Kept-trace records of the workload, one trace at a time (each trace delivered whole). */
function* sampledTraces(total: number, startMs: number): Generator<SampledTrace> {
  const decision = { policy: 'bench', sampleRate: 1, reason: 'bench', late: false, decidedAtMs: startMs };
  let spans: Span[] = [];
  let n = 0;
  for (const { span, duplicate } of generateWorkload({ seed: 'bench-clickhouse', traces: Math.ceil(total / 2), startMs, outOfOrder: false, lateRate: 0, keepTraceTruth: false })) {
    if (duplicate) continue;
    if (spans.length > 0 && spans[0]?.traceId !== span.traceId) {
      yield { traceId: spans[0]?.traceId ?? '', spans, decision };
      spans = [];
    }
    if (n++ >= total) break;
    spans.push(span);
  }
  if (spans.length > 0) yield { traceId: spans[0]?.traceId ?? '', spans, decision };
}

async function median5(client: ClickHouseClient, query: string, params: Record<string, unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[2] as number;
}

async function bytesPerSpan(client: ClickHouseClient, tables: string[], spans: number): Promise<number> {
  const rs = await client.query({ query: `SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE active AND database = currentDatabase() AND table IN {t:Array(String)}`, query_params: { t: tables }, format: 'JSONEachRow' });
  return Number((await rs.json<{ b: string }>())[0]?.b) / spans;
}

interface QuerySubject {
  readonly traceId: string;
  readonly service: string;
  readonly key: string;
  readonly value: string;
  /** Where the loaded data starts: the "last N hours" windows reach back to it. */
  readonly startMs: number;
}

/** Each sql/queries query on our schema and on otel_traces, median of 5. */
async function runQueries(client: ClickHouseClient, q: QuerySubject): Promise<void> {
  const window = { start: Math.floor(q.startMs / 3_600_000) * 3600 - 3600, end: Math.ceil(Date.now() / 3_600_000) * 3600 + 3600 };
  const params: Record<string, unknown> = {
    trace_id: q.traceId, service: q.service, hours: Math.ceil((Date.now() - q.startMs) / 3_600_000) + 1, limit: 20,
    start: window.start, end: window.end, key: q.key, value: q.value,
  };
  for (const name of QUERY_NAMES) {
    print(`query_${name}`, await median5(client, loadQuery(name), params), 'ms');
    const otel = OTEL_QUERIES[name];
    if (otel !== undefined) print(`otel_query_${name}`, await median5(client, otel, params), 'ms');
  }
}

/** BENCH_DATA_DIR: the queries again on a data set an earlier run kept (BENCH_KEEP=1). */
async function rerunQueries(dir: string): Promise<void> {
  const client = await openClickHouse({ dataDir: dir, database: 'bench' });
  try {
    const rs = await client.query({
      query: `SELECT trace_id, service_name, mapKeys(attributes_string)[1] AS key, mapValues(attributes_string)[1] AS value,
                     toUnixTimestamp64Milli(start_time) AS start_ms
              FROM spans WHERE notEmpty(attributes_string) ORDER BY start_time LIMIT 1`,
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ trace_id: string; service_name: string; key: string; value: string; start_ms: string }>();
    if (row === undefined) throw new Error(`BENCH_DATA_DIR=${dir} holds no spans`);
    print('spans', Number((await (await client.query({ query: 'SELECT count() AS n FROM spans', format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n), 'spans');
    await runQueries(client, { traceId: row.trace_id, service: row.service_name, key: row.key, value: row.value, startMs: Number(row.start_ms) });
  } finally {
    await client.close();
  }
}

export default async function clickhouse(args: string[]): Promise<void> {
  const kept = process.env['BENCH_DATA_DIR'];
  if (kept !== undefined) return rerunQueries(kept);
  const total = Number(args[0] ?? process.env['BENCH_SPANS'] ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-clickhouse-'));
  const client = await openClickHouse({ dataDir: dir, database: 'bench' });
  try {
    await migrate(client, { database: 'bench', spansTtlDays: 0, errorTtlDays: 0, minuteTtlDays: 0, hourTtlDays: 0, dayTtlDays: 0 });
    await client.command({ query: 'CREATE TABLE spans_raw AS spans' });
    for (const ddl of OTEL_DDL) await client.command({ query: ddl });
    const writer = new ClickHouseWriter({ client });
    const startMs = Date.now() - 3_600_000; // inside the queries' "last hour(s)" windows
    const edges = new Map<string, DependencyEdge>();
    const metrics = new Map<string, SpanMetrics>();
    const time = { sink: 0, sampledSink: 0, raw: 0, otel: 0 };
    let flushes = 0;
    let rawRows = 0;
    let batch: SampledTrace[] = [];
    let batchSpans = 0;
    let done = 0;
    let sample: Span | undefined;
    const flush = async () => {
      const sinkBefore = time.sink;
      let t = performance.now();
      await insertKeptTraces(writer, batch, `bench:${done}`);
      time.sink += performance.now() - t;
      if (flushes++ % RAW_EVERY === 0) {
        time.sampledSink += time.sink - sinkBefore;
        const rows = spanRows(batch); // the raw insert's rows are not timed
        t = performance.now();
        const raw = positional('spans_raw', rows);
        await client.insert({ table: `spans_raw ${columnList(raw.columns)}`, values: raw.values, format: 'JSONCompactEachRow' });
        time.raw += performance.now() - t;
        rawRows += rows.length;
      }
      t = performance.now();
      const otel = positional('otel_traces', batch.flatMap((x) => x.spans.map(otelRow)));
      await client.insert({ table: `otel_traces ${columnList(otel.columns)}`, values: otel.values, format: 'JSONCompactEachRow' });
      time.otel += performance.now() - t;
      done += batchSpans;
      batch = [];
      batchSpans = 0;
      if (done % 100_000 < BATCH) progress(`${done} / ${total} spans`);
    };
    for (const trace of sampledTraces(total, startMs)) {
      sample ??= trace.spans[0];
      for (const o of deriveEdges(trace.spans)) { const e = edgeFromObservation(o); const k = edgeKey(e); const seen = edges.get(k); edges.set(k, seen ? mergeEdges(seen, e) : e); }
      for (const o of deriveSpanMetrics(trace.spans)) { const m = metricFromObservation(o); const k = metricKey(m); const seen = metrics.get(k); metrics.set(k, seen ? mergeMetrics(seen, m) : m); }
      batch.push(trace);
      batchSpans += trace.spans.length;
      if (batchSpans >= BATCH) await flush();
    }
    if (batchSpans > 0) await flush();
    await writer.insert('dependency_edges', [...edges.values()].map(edgeToRow), 'bench:edges');
    await writer.insert('span_metrics', [...metrics.values()].map(metricsToRow), 'bench:metrics');
    progress('merging parts before measuring size');
    for (const t of ['spans', 'traces', 'trace_id_ts', 'trace_blobs', 'spans_raw', 'otel_traces', 'otel_traces_trace_id_ts']) await client.command({ query: `OPTIMIZE TABLE ${t} FINAL` });

    print('spans', done, 'spans');
    print('sink_insert_rate', done / (time.sink / 1000), 'rows/s');
    print('raw_insert_rate', rawRows / (time.raw / 1000), 'rows/s');
    print('sink_vs_raw', time.raw / time.sampledSink, 'ratio');
    print('otel_insert_rate', done / (time.otel / 1000), 'rows/s');
    print('bytes_per_span_spans', await bytesPerSpan(client, ['spans'], done), 'bytes');
    print('bytes_per_span_with_indexes', await bytesPerSpan(client, ['spans', 'traces', 'trace_id_ts'], done), 'bytes');
    print('bytes_per_span_trace_blobs', await bytesPerSpan(client, ['trace_blobs'], done), 'bytes');
    print('bytes_per_span_all_tables', await bytesPerSpan(client, ['spans', 'traces', 'trace_id_ts', 'trace_blobs'], done), 'bytes');
    print('otel_bytes_per_span', await bytesPerSpan(client, ['otel_traces'], done), 'bytes');
    print('otel_bytes_per_span_with_indexes', await bytesPerSpan(client, ['otel_traces', 'otel_traces_trace_id_ts'], done), 'bytes');

    const s = sample as Span;
    const attr = s.attributes.find((a) => a.value.type === 'string') ?? s.resource.attributes[0];
    await runQueries(client, {
      traceId: s.traceId, service: serviceName(s), startMs,
      key: attr?.key ?? '', value: attr && attr.value.type === 'string' ? attr.value.value : '',
    });
  } finally {
    await client.close();
    if (process.env['BENCH_KEEP'] === '1') progress(`kept the data directory for BENCH_DATA_DIR=${dir} npm run bench -- query`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
