import type { DependencyEdge, SpanMetrics } from '../edges/types.ts';
import type { SamplingStatsRow } from '../model/sampling-stats.ts';
import type { SampledTrace } from '../model/sampled-trace.ts';
import { StatusCode } from '../model/span.ts';
import type { SinkTopics } from '../model/topics.ts';
import { edgeToRow, metricsToRow, samplingStatsToRow, spanToRow, type SpanRow } from '../clickhouse/rows.ts';
import { ResourceMaps } from '../clickhouse/resource-maps.ts';
import { TRACE_BLOBS_TABLE, traceBlobRows } from './trace-blobs.ts';
import { insertRouteBatch, type RouteInsert } from './route-insert.ts';
import type { ClickHouseWriter } from './writer.ts';

/** The sink's input topics (co-partitioned: one task per partition reads all three). */
export type { SinkTopics } from '../model/topics.ts';

/**
 * How records of one topic become rows of one table. Items are what the batch holds until
 * it is cut; `rows` turns a whole batch into JSONEachRow rows (for spans this is where the
 * trace error flag is decided, over the batch).
 */
export interface SinkRoute {
  readonly table: string;
  readonly topic: string;
  accept(value: unknown): { items: readonly unknown[]; rows: number };
  rows(items: readonly unknown[]): object[];
  /**
   * The same rows as `rows`, in parts that are mapped and inserted one after another, each
   * part mapped while the one before is being inserted (route-insert.ts). Deterministic in
   * the items, so a replayed batch is cut into the same parts.
   */
  parts?(items: readonly unknown[]): readonly (() => object[])[];
  /** Tables written from the same batch as `table`, each with the batch token + `|<table>` (route-insert.ts). */
  readonly companions?: readonly { readonly table: string; rows(items: readonly unknown[]): object[] }[];
}

/**
 * The routes. Kept traces go to `spans` (whose materialized views fill `traces` and
 * `trace_id_ts`) and, one row per record, to `trace_blobs`; the edge / metrics rollups are
 * views over their minute tables.
 */
export function sinkRoutes(topics: SinkTopics): SinkRoute[] {
  return [
    keptTracesRoute(topics.sampledSpans),
    {
      table: 'dependency_edges',
      topic: topics.dependencyEdges,
      accept: (v) => ({ items: [edgeToRow(v as DependencyEdge)], rows: 1 }),
      rows: (items) => items as object[],
    },
    {
      table: 'span_metrics',
      topic: topics.spanMetrics,
      accept: (v) => ({ items: [metricsToRow(v as SpanMetrics)], rows: 1 }),
      rows: (items) => items as object[],
    },
    ...(topics.samplingDecisions === undefined
      ? []
      : [
          {
            table: 'sampling_decisions',
            topic: topics.samplingDecisions,
            accept: (v: unknown) => ({ items: [samplingStatsToRow(v as SamplingStatsRow)], rows: 1 }),
            rows: (items: readonly unknown[]) => items as object[],
          },
        ]),
  ];
}

/** Kept-trace records (`sampled-spans`) into `spans`, with `trace_blobs` from the same batch. */
export function keptTracesRoute(topic: string): SinkRoute {
  return {
    table: 'spans',
    topic,
    accept: (v) => ({ items: [v], rows: (v as SampledTrace).spans.length }),
    rows: (items) => spanRows(items as SampledTrace[]),
    parts: (items) => spanRowParts(items as SampledTrace[]),
    companions: [{ table: TRACE_BLOBS_TABLE, rows: (items) => traceBlobRows(items as SampledTrace[]) }],
  };
}

/**
 * Span rows below this many go in one insert; from it on, in two halves, the second
 * mapped while ClickHouse inserts the first (measured in docs/ARCHITECTURE.md, Decisions;
 * more parts cost more than they hid).
 */
export const SPLIT_SPAN_ROWS = 4_000;

/** spanRows of a batch in one part, or in two halves by records; the error flag is the batch's either way. */
export function spanRowParts(traces: readonly SampledTrace[]): (() => SpanRow[])[] {
  let rows = 0;
  for (const t of traces) rows += t.spans.length;
  if (rows < SPLIT_SPAN_ROWS || traces.length < 2) return [() => spanRows(traces)];
  const errorTraces = errorTraceIds(traces);
  const half = Math.ceil(traces.length / 2);
  return [() => spanRows(traces.slice(0, half), errorTraces), () => spanRows(traces.slice(half), errorTraces)];
}

/**
 * Writes kept-trace records as the sink writes one batch of them (both tables, the same
 * tokens); for loaders outside the sink: benchmarks and test fixtures. `qualify` names a
 * table in another database.
 */
export async function insertKeptTraces(writer: ClickHouseWriter, records: readonly SampledTrace[], token: string, qualify?: (table: string) => string): Promise<RouteInsert[]> {
  return insertRouteBatch(writer, keptTracesRoute('sampled-spans'), records, token, qualify);
}

/**
 * Span rows of a batch of kept-trace records. `trace_error` (which selects the 30-day
 * retention) is true for every span of a trace that has an ERROR span anywhere in this
 * batch — not only in its own record — since a trace's spans usually arrive as
 * consecutive chunks. What the sink cannot see stays false: an error only in an earlier,
 * already-inserted batch (typically late spans of an error trace) leaves those spans
 * with the shorter retention. The `traces` view takes max(trace_error), so the trace
 * itself is still classed as an error trace.
 */
export function spanRows(traces: readonly SampledTrace[], errorTraces: ReadonlySet<string> = errorTraceIds(traces)): SpanRow[] {
  const out: SpanRow[] = [];
  for (const t of traces) {
    const { policy, sampleRate, late } = t.decision;
    const ok = { policy, sampleRate, late, traceError: false };
    const error = { ...ok, traceError: true };
    const resources = new ResourceMaps();
    for (const s of t.spans) out.push(spanToRow(s, errorTraces.has(s.traceId) ? error : ok, resources.of(s.resource.attributes)));
  }
  return out;
}

/** Trace ids with an ERROR span anywhere in `traces`. */
function errorTraceIds(traces: readonly SampledTrace[]): Set<string> {
  const ids = new Set<string>();
  for (const t of traces) for (const s of t.spans) if (s.status.code === StatusCode.ERROR) ids.add(s.traceId);
  return ids;
}
