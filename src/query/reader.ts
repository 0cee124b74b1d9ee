import type { ClickHouseClient } from '@clickhouse/client';
import type { Span } from '../model/span.ts';
import { loadQuery } from '../clickhouse/queries.ts';
import { rowToSpan, type SpanRow } from '../clickhouse/rows.ts';
import { secondsToDateTime } from '../clickhouse/time.ts';
import { inProcessDecoder, TraceBlobReader, type RecordDecoder } from './blob-reads.ts';
import { searchSql, TRACES_BY_IDS_SQL } from './search-sql.ts';
import { SPAN_RANGE_SQL, windowedTraceIds, type SpanRange } from './search-windows.ts';
import { readTraceSummaries, type TraceSummaryJson } from './trace-summaries.ts';
import type { SpanKindName, TraceQuery } from './trace-query.ts';

/** A stored span with the decision that kept its trace. */
export interface StoredSpan {
  readonly span: Span;
  readonly policy: string;
  readonly sampleRate: number;
  /** Reached the sink after its trace was decided. */
  readonly late: boolean;
}

export interface StoredTrace {
  readonly traceId: string;
  readonly spans: readonly StoredSpan[];
}

export interface Operation {
  readonly name: string;
  readonly spanKind: SpanKindName;
}

/** One service-graph edge over a time range (exact: computed before sampling). */
export interface DependencyLink {
  readonly parent: string;
  readonly child: string;
  readonly callCount: number;
  readonly errorCount: number;
  readonly errorRate: number;
  readonly connectionType: string;
  readonly virtualChild: boolean;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

export type QueryClient = Pick<ClickHouseClient, 'query'>;

export interface TraceReaderOptions {
  /**
   * Where whole traces come from: `trace_blobs` first, `spans` for traces it lacks
   * (default), or `spans` only (today's layout, for comparison in the query bench).
   */
  readonly traceSource?: 'blobs' | 'spans';
  /** Decoder of stored records (default: the in-process Avro registry's). */
  readonly decodeRecord?: RecordDecoder;
}

/** Reads what the sink wrote; every method is one or two ClickHouse queries. */
export class TraceReader {
  private readonly blobs: TraceBlobReader | undefined;

  constructor(
    private readonly client: QueryClient,
    opts: TraceReaderOptions = {},
  ) {
    this.blobs = opts.traceSource === 'spans' ? undefined : new TraceBlobReader(client, opts.decodeRecord ?? inProcessDecoder());
  }

  private async rows<T>(query: string, params: Readonly<Record<string, unknown>> = {}): Promise<T[]> {
    const rs = await this.client.query({ query, format: 'JSONEachRow', query_params: { ...params } });
    return rs.json<T>();
  }

  async services(): Promise<string[]> {
    const rows = await this.rows<{ service_name: string }>('SELECT service_name FROM spans GROUP BY service_name ORDER BY service_name');
    return rows.map((r) => r.service_name);
  }

  async operations(service: string, kind?: SpanKindName): Promise<Operation[]> {
    const rows = await this.rows<{ name: string; kind: string }>(
      `SELECT name, toString(kind) AS kind FROM spans WHERE service_name = {service:String}
       ${kind === undefined ? '' : 'AND kind = {kind:String}'} GROUP BY name, kind ORDER BY name, kind`,
      { service, ...(kind === undefined ? {} : { kind: kind.toUpperCase() }) },
    );
    return rows.map((r) => ({ name: r.name, spanKind: r.kind.toLowerCase() as SpanKindName }));
  }

  /**
   * Trace ids matching the search, newest first. A search with a service and a tag runs in
   * time windows (search-windows.ts): the tag test costs every row it reads. Without a tag
   * the one statement stops sooner than the windows' extra statements would.
   */
  async findTraceIds(q: TraceQuery): Promise<string[]> {
    if (q.service === undefined || q.tags.length === 0) {
      const { sql, params } = searchSql(q);
      return (await this.rows<{ trace_id: string }>(sql, params)).map((r) => r.trace_id);
    }
    return windowedTraceIds(q, (sql, params) => this.rows<{ trace_id: string }>(sql, params), await this.spanRange(q.service, q));
  }

  /** The service's newest and oldest span start in the query's range (SPAN_RANGE_SQL). */
  private async spanRange(service: string, q: TraceQuery): Promise<SpanRange | undefined> {
    const [r] = await this.rows<{ newest_ns: string | null; oldest_ns: string | null }>(SPAN_RANGE_SQL, { service, startNs: q.startNs.toString(), endNs: q.endNs.toString() });
    return r?.newest_ns && r.oldest_ns ? { newestNs: BigInt(r.newest_ns), oldestNs: BigInt(r.oldest_ns) } : undefined;
  }

  /** Whole traces in the order of `ids`; ids without spans are left out. */
  async traces(ids: readonly string[]): Promise<StoredTrace[]> {
    if (ids.length === 0) return [];
    const byTrace = (await this.blobs?.traces(ids)) ?? new Map<string, StoredSpan[]>();
    const missing = ids.filter((id) => !byTrace.has(id));
    if (missing.length > 0) {
      for (const row of await this.rows<SpanRow>(TRACES_BY_IDS_SQL, { ids: missing })) {
        const list = byTrace.get(row.trace_id) ?? [];
        list.push(stored(row));
        byTrace.set(row.trace_id, list);
      }
    }
    return ids.flatMap((id) => {
      const spans = byTrace.get(id);
      return spans === undefined ? [] : [{ traceId: id, spans }];
    });
  }

  /** One trace (sql/queries/trace_by_id.sql, else trace_spans_by_id.sql), or undefined when no span of it is stored. */
  async trace(traceId: string): Promise<StoredTrace | undefined> {
    const spans = (await this.blobs?.traces([traceId], true))?.get(traceId);
    if (spans !== undefined) return { traceId, spans };
    const rows = await this.rows<SpanRow>(loadQuery('trace_spans_by_id'), { trace_id: traceId });
    return rows.length === 0 ? undefined : { traceId, spans: rows.map(stored) };
  }

  async search(q: TraceQuery): Promise<StoredTrace[]> {
    return this.traces(await this.findTraceIds(q));
  }

  /** api_v3 summaries of the traces a search finds, newest first. */
  async summaries(q: TraceQuery): Promise<TraceSummaryJson[]> {
    return readTraceSummaries(this.client, await this.findTraceIds(q));
  }

  /** Edges with a window in [startMs, endMs) (sql/queries/service_graph.sql). */
  async dependencies(startMs: number, endMs: number): Promise<DependencyLink[]> {
    const rows = await this.rows<Record<string, string | number | boolean>>(loadQuery('service_graph'), {
      start: secondsToDateTime(Math.floor(startMs / 1000)),
      end: secondsToDateTime(Math.ceil(endMs / 1000)),
    });
    return rows.map((r) => ({
      parent: String(r['parent']), child: String(r['child']),
      callCount: Number(r['calls']), errorCount: Number(r['errors']), errorRate: Number(r['error_rate']),
      connectionType: String(r['connection_type']), virtualChild: r['virtual_child'] === true || r['virtual_child'] === 1,
      p50Ms: Number(r['p50_ms']), p95Ms: Number(r['p95_ms']), p99Ms: Number(r['p99_ms']),
    }));
  }
}

function stored(row: SpanRow): StoredSpan {
  return { span: rowToSpan(row), policy: row.policy, sampleRate: Number(row.sample_rate), late: Boolean(row.late) };
}
