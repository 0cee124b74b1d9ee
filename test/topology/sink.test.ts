import { beforeEach, describe, expect, it } from 'vitest';
import { rowToSpan, type SpanRow } from '../../src/clickhouse/rows.ts';
import { normalizeSpan, richSpan } from '../fixtures/clickhouse.ts';
import { edge, faultyClient, sampled, sinkTopology, spanMetrics, traceSpans, type FaultyClient } from '../fixtures/sink.ts';
import { sinkClickHouse } from '../fixtures/sink-driver.ts';

const db = sinkClickHouse('sink');
let faults: FaultyClient;
beforeEach(() => {
  faults = faultyClient(db.ch.client);
});

/** The sink over a client that fails inserts on demand, writing qualified table names into this test's database. */
const driver = (opts: Parameters<typeof sinkTopology>[2] = {}) => db.driver(faults.client, { database: db.database, ...opts });
const one = async <R>(sql: string): Promise<R> => (await db.ch.rows<R>(sql))[0] as R;
const num = async (sql: string): Promise<number> => Number((await one<{ v: string }>(`SELECT (${sql}) AS v`)).v);

describe('clickhouse-sink topology on the test driver with chdb', () => {
  it('writes every field of every span of a SampledTrace, read back equal', async () => {
    const h = await driver();
    const spans = [richSpan(1_800_000_000_000_000_000n), ...traceSpans(7, 3)];
    await h.trace(sampled(spans));
    const rows = await db.ch.rows<SpanRow>('SELECT * FROM spans ORDER BY span_id');
    expect(rows).toHaveLength(spans.length);
    const bySpan = new Map(rows.map((r) => [r.span_id, r]));
    for (const s of spans) {
      const row = bySpan.get(s.spanId) as SpanRow;
      expect(normalizeSpan(rowToSpan(row))).toEqual(normalizeSpan(s));
      expect(row).toMatchObject({ policy: 'keep-all', sample_rate: 0.5, late: false, trace_error: s.traceId === spans[0]?.traceId });
    }
    expect(h.metrics.rowsInserted.get({ table: 'spans' })).toBe(spans.length);
    expect(h.metrics.clickhouseUp.get()).toBe(1);
  });

  it('fills the traces index, and writes edges and metrics whose sums add up', async () => {
    const h = await driver();
    await h.trace(sampled(traceSpans(1, 2, true)));
    await h.trace(sampled(traceSpans(1, 2, true).slice(1), true)); // a late copy of two spans: no double count
    for (const n of [3, 4]) await h.edge(edge(n));
    await h.metric(spanMetrics(5));
    await h.metric(spanMetrics(6));
    const trace = await one<Record<string, unknown>>(
      'SELECT max(root_service) AS root_service, max(root_operation) AS root_operation, arraySort(groupUniqArrayArray(services)) AS services, max(trace_error) AS trace_error FROM traces GROUP BY trace_id',
    );
    expect(trace).toMatchObject({ root_service: 'frontend', root_operation: 'GET /', services: ['frontend', 'svc-0', 'svc-1'], trace_error: true });
    expect(await one('SELECT toString(uniqExact(span_id)) AS spans, toString(uniqExactIf(span_id, has_error)) AS errors FROM spans')).toEqual({ spans: '3', errors: '1' });
    expect(await one('SELECT parent, child, toString(sum(calls)) AS calls, toString(sum(errors)) AS errors, toString(sum(duration_sum_ns)) AS ns, sumMap(duration_buckets) AS b FROM dependency_edges GROUP BY parent, child')).toEqual({ parent: 'a', child: 'b', calls: '7', errors: '2', ns: '7000', b: { 3: '7' } });
    expect(await one('SELECT service, operation, kind, status_code, toString(sum(calls)) AS calls, toString(sum(duration_sum_ns)) AS ns FROM span_metrics GROUP BY ALL')).toEqual({ service: 'frontend', operation: 'GET /', kind: 'SERVER', status_code: 'OK', calls: '11', ns: '77' });
    expect(h.metrics.batches.get({ table: 'dependency_edges' })).toBe(2); // the driver commits after every record
    expect(await num("SELECT count() FROM sink_batches WHERE table = 'dependency_edges'")).toBeGreaterThan(0);
  });

  it('ClickHouse refusing inserts fails the commit; the records are processed again and land once', async () => {
    const h = await driver({ writer: { maxRetries: 1 } });
    faults.fail('dependency_edges', 'refuse', 4); // two failed commits (1 try + 1 retry each), then recovery
    await h.edge(edge(3));
    expect(await num('SELECT sum(calls) FROM dependency_edges')).toBe(3);
    expect(h.d.runtime.metrics.commitFailures.total()).toBe(2);
    expect(h.d.runtime.metrics.recordsIn.total()).toBe(3); // processed three times: offsets were not committed
    expect(h.metrics.failures.total()).toBe(2);
    expect(h.metrics.retries.total()).toBe(2);
    expect(h.metrics.clickhouseUp.get()).toBe(1);
    expect(h.registry.exposition()).toMatch(/tailstream_sink_failures_total 2/);
  });

  it.each(['spans', 'dependency_edges'])('an insert into %s that landed but whose ack was lost is not doubled by the replay', async (table) => {
    const h = await driver();
    faults.fail(table, 'lose-ack', 1);
    await h.trace(sampled(traceSpans(2, 4)));
    await h.edge(edge(4));
    expect(h.d.runtime.metrics.commitFailures.total()).toBe(1);
    expect(h.metrics.replayedBatches.get({ table })).toBe(1);
    expect(await num('SELECT count() FROM spans')).toBe(5); // raw rows, before any replacing merge
    expect(await num('SELECT uniqExact(trace_id, span_id) FROM spans')).toBe(5);
    expect(await num('SELECT sum(calls) FROM dependency_edges')).toBe(4);
    expect(await num('SELECT sum(calls) FROM dependency_edges_1h')).toBe(4);
  });
});
