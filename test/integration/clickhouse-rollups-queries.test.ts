import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyBuckets } from '../../src/edges/histogram.ts';
import type { DependencyEdge, SpanMetrics } from '../../src/edges/types.ts';
import { StatusCode } from '../../src/model/span.ts';
import { loadQuery } from '../../src/clickhouse/queries.ts';
import { edgeToRow, metricsToRow, rowToSpan, type SpanRow } from '../../src/clickhouse/rows.ts';
import { msToDateTime } from '../../src/clickhouse/time.ts';
import { ClickHouseWriter } from '../../src/sink/writer.ts';
import { hexId, makeSpan, openTestClickHouse, str, type TestClickHouse } from '../fixtures/clickhouse.ts';
import { writeKeptSpans } from '../fixtures/trace-records.ts';

let ch: TestClickHouse;
let writer: ClickHouseWriter;
const MIN = 60_000;
const HOUR = 60 * MIN;
// Recent enough for the 7-day TTL; whole hour so the fixture's hour boundaries are known.
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 3 * 24 * HOUR;
const nowNs = BigInt(Date.now()) * 1_000_000n;

/** 90 calls in bucket 4 (1-2 ms] and 10 in bucket 15 (100-150 ms]: p50 1.5556, p95 125, p99 145. */
function buckets(scale: number): number[] {
  const b = emptyBuckets();
  b[4] = 9 * scale;
  b[15] = scale;
  return b;
}

function edge(windowStartMs: number, parent: string, child: string, scale: number): DependencyEdge {
  return { windowStartMs, parent, child, connectionType: 'http', virtualChild: child === 'postgres', calls: 10 * scale, errors: scale, durationSumNanos: BigInt(scale) * 1_000_000n, durationBuckets: buckets(scale) };
}

beforeAll(async () => {
  ch = await openTestClickHouse();
  writer = new ClickHouseWriter({ client: ch.client });
  // 3 hours of minute windows (every 10 min) for a->b, one day later a->postgres, in two batches.
  const edges: DependencyEdge[] = [];
  for (let m = 0; m < 180; m += 10) edges.push(edge(T0 + m * MIN, 'a', 'b', 1));
  edges.push(edge(T0 + 24 * HOUR + 5 * MIN, 'a', 'postgres', 2));
  await writer.insert('dependency_edges', edges.slice(0, 9).map(edgeToRow), 'e1');
  await writer.insert('dependency_edges', edges.slice(9).map(edgeToRow), 'e2');
  const metrics: SpanMetrics[] = [];
  for (let m = 0; m < 120; m += 15) {
    metrics.push({ windowStartMs: T0 + m * MIN, service: 'a', operation: 'GET /x', kind: 2, statusCode: 0, calls: 10, errors: 1, durationSumNanos: 5n, durationBuckets: buckets(1) });
    metrics.push({ windowStartMs: T0 + m * MIN, service: 'a', operation: 'GET /y', kind: 2, statusCode: 2, calls: 1, errors: 1, durationSumNanos: 5n, durationBuckets: (() => { const b = emptyBuckets(); b[0] = 1; return b; })() });
  }
  await writer.insert('span_metrics', metrics.map(metricsToRow), 'm1');
});
afterAll(async () => ch?.close());

describe('rollups', () => {
  it('minute rows sum into hour and day tables, buckets included', async () => {
    const hours = await ch.rows<{ w: string; calls: string; b: Record<string, string> }>(
      "SELECT toString(window_start) AS w, sum(calls) AS calls, sumMap(duration_buckets) AS b FROM dependency_edges_1h WHERE child = 'b' GROUP BY w ORDER BY w",
    );
    expect(hours).toEqual([0, 1, 2].map((h) => ({ w: msToDateTime(T0 + h * HOUR), calls: '60', b: { '4': '54', '15': '6' } })));
    const days = await ch.rows<{ child: string; calls: string; errors: string }>('SELECT child, sum(calls) AS calls, sum(errors) AS errors FROM dependency_edges_1d GROUP BY child ORDER BY child');
    expect(days).toEqual([{ child: 'b', calls: '180', errors: '18' }, { child: 'postgres', calls: '20', errors: '2' }]);
    const mh = await ch.rows<{ operation: string; calls: string }>('SELECT operation, sum(calls) AS calls FROM span_metrics_1h GROUP BY operation ORDER BY operation');
    expect(mh).toEqual([{ operation: 'GET /x', calls: '80' }, { operation: 'GET /y', calls: '8' }]);
  });

  it('service_graph over a range that mixes partial and whole hours gives exact totals and percentiles', async () => {
    // [T0+25m, T0+2h35m): minutes 30..150 of the 10-minute windows = 13 windows, two partial hours and one whole.
    const rows = await ch.rows<Record<string, unknown>>(loadQuery('service_graph'), { start: msToDateTime(T0 + 25 * MIN), end: msToDateTime(T0 + 155 * MIN) });
    expect(rows).toHaveLength(1);
    const r = rows[0] as Record<string, number | string | boolean>;
    expect(r).toMatchObject({ parent: 'a', child: 'b', connection_type: 'http', virtual_child: false, calls: '130', errors: '13' });
    expect(r['error_rate']).toBeCloseTo(0.1, 10);
    expect(r['p50_ms']).toBeCloseTo(1 + 50 / 90, 6);
    expect(r['p95_ms']).toBeCloseTo(125, 6);
    expect(r['p99_ms']).toBeCloseTo(145, 6);
    const all = await ch.rows<{ child: string; calls: string }>(loadQuery('service_graph'), { start: msToDateTime(T0), end: msToDateTime(T0 + 48 * HOUR) });
    expect(all.map((x) => [x.child, x.calls])).toEqual([['b', '180'], ['postgres', '20']]);
  });

  it('operation_latency returns per-operation percentiles from span_metrics', async () => {
    const rows = await ch.rows<{ operation: string; calls: string; error_rate: number; p50_ms: number; p99_ms: number }>(loadQuery('operation_latency'), { service: 'a', start: msToDateTime(T0), end: msToDateTime(T0 + 90 * MIN) });
    expect(rows.map((r) => [r.operation, r.calls])).toEqual([['GET /x', '60'], ['GET /y', '6']]);
    expect(rows[0]?.p50_ms).toBeCloseTo(1 + 50 / 90, 6);
    expect(rows[0]?.p99_ms).toBeCloseTo(145, 6);
    expect(rows[1]).toMatchObject({ error_rate: 1 });
    expect(rows[1]?.p99_ms).toBeCloseTo(0.099, 6);
  });
});

describe('trace queries', () => {
  const decision = { policy: 'default', sampleRate: 1, late: false };
  /** Trace n: root on `root`, one child on `child`; duration ms; started `agoMin` minutes ago. */
  function trace(n: number, root: string, child: string, ms: number, agoMin: number, error = false, attrs = [str('http.route', '/x')]) {
    const start = nowNs - BigInt(agoMin) * 60_000_000_000n;
    const end = start + BigInt(ms) * 1_000_000n;
    return [
      makeSpan({ traceId: hexId(n, 32), spanId: hexId(n * 10 + 1, 16), service: root, name: `root-${n}`, startTimeUnixNano: start, endTimeUnixNano: end, attributes: attrs }),
      makeSpan({ traceId: hexId(n, 32), spanId: hexId(n * 10 + 2, 16), parentSpanId: hexId(n * 10 + 1, 16), service: child, name: 'child', startTimeUnixNano: start + 1n, endTimeUnixNano: end - 1n, status: { code: error ? StatusCode.ERROR : StatusCode.OK, message: '' } }),
    ];
  }

  beforeAll(async () => {
    await writeKeptSpans(writer, trace(1, 'web', 'db', 500, 10), decision, 't1');
    await writeKeptSpans(writer, trace(2, 'web', 'cache', 900, 20, true), decision, 't2');
    await writeKeptSpans(writer, trace(3, 'api', 'db', 2000, 30, false, [str('http.route', '/checkout')]), decision, 't3');
    await writeKeptSpans(writer, trace(4, 'web', 'db', 5000, 5 * 60), decision, 't4'); // 5 h ago
    await writeKeptSpans(writer, trace(5, 'api', 'db', 100, 90, true), decision, 't5'); // error, 1.5 h ago
    // a late span of trace 1, in a later batch, from a third service: starts 1 s after the root, lasts 0.7 s
    const lateStart = nowNs - 10n * 60_000_000_000n + 1_000_000_000n;
    const late = makeSpan({ traceId: hexId(1, 32), spanId: hexId(19, 16), parentSpanId: hexId(11, 16), service: 'queue', name: 'late', startTimeUnixNano: lateStart, endTimeUnixNano: lateStart + 700_000_000n });
    await writeKeptSpans(writer, [late], { ...decision, late: true }, 't1-late');
  });

  it('trace_spans_by_id returns every span of the trace from spans, late ones included, in start order', async () => {
    const rows = await ch.rows<SpanRow>(loadQuery('trace_spans_by_id'), { trace_id: hexId(1, 32) });
    expect(rows.map((r) => r.span_id)).toEqual([hexId(11, 16), hexId(12, 16), hexId(19, 16)]);
    expect(rows.map((r) => rowToSpan(r).name)).toEqual(['root-1', 'child', 'late']);
    expect(await ch.rows(loadQuery('trace_spans_by_id'), { trace_id: hexId(999, 32) })).toEqual([]);
  });

  it('slowest_traces ranks traces a service took part in, merging late rows', async () => {
    const rows = await ch.rows<{ trace_id: string; duration_ns: string; span_total: string; root_service_name: string; service_names: string[] }>(loadQuery('slowest_traces'), { service: 'db', hours: 2, limit: 10 });
    expect(rows.map((r) => parseInt(r.trace_id, 16))).toEqual([3, 1, 5]); // 4 is 5 h old
    expect(rows[0]).toMatchObject({ duration_ns: '2000000000', root_service_name: 'api' });
    const t1 = rows[1];
    expect(t1?.span_total).toBe('3');
    expect([...(t1?.service_names ?? [])].sort()).toEqual(['db', 'queue', 'web']);
    expect(t1?.duration_ns).toBe('1700000000'); // the late span ends 1.7 s after the root started
    const top1 = await ch.rows(loadQuery('slowest_traces'), { service: 'db', hours: 6, limit: 1 });
    expect(top1.map((r) => parseInt((r as { trace_id: string }).trace_id, 16))).toEqual([4]);
  });

  it('error_traces lists traces with errors from the last hour only', async () => {
    const rows = await ch.rows<{ trace_id: string; error_total: string }>(loadQuery('error_traces'), { limit: 10 });
    expect(rows.map((r) => [parseInt(r.trace_id, 16), r.error_total])).toEqual([[2, '1']]);
  });

  it('traces_by_attribute finds traces by a span attribute or a resource attribute', async () => {
    const byRoute = await ch.rows<{ trace_id: string }>(loadQuery('traces_by_attribute'), { key: 'http.route', value: '/checkout', hours: 24, limit: 10 });
    expect(byRoute.map((r) => parseInt(r.trace_id, 16))).toEqual([3]);
    const byService = await ch.rows<{ trace_id: string }>(loadQuery('traces_by_attribute'), { key: 'service.name', value: 'cache', hours: 24, limit: 10 });
    expect(byService.map((r) => parseInt(r.trace_id, 16))).toEqual([2]);
  });

  it('span and error counts come from spans (traces keeps no span-id sets): a replayed copy counts once', async () => {
    const setColumns = await ch.rows<{ name: string }>("SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'traces' AND type LIKE 'AggregateFunction(uniqExact%'");
    expect(setColumns).toEqual([]);
    await writeKeptSpans(writer, trace(2, 'web', 'cache', 900, 20, true), decision, 't2-replayed-in-another-batch');
    const errors = await ch.rows<{ trace_id: string; span_total: string; error_total: string }>(loadQuery('error_traces'), { limit: 10 });
    expect(errors.map((r) => [parseInt(r.trace_id, 16), r.span_total, r.error_total])).toEqual([[2, '2', '1']]);
    const byRoute = await ch.rows<{ span_total: string; error_total: string }>(loadQuery('traces_by_attribute'), { key: 'http.route', value: '/checkout', hours: 24, limit: 10 });
    expect(byRoute).toMatchObject([{ span_total: '2', error_total: '0' }]);
  });
});
