import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind } from '../../src/model/span.ts';
import { ClickHouseWriter } from '../../src/sink/writer.ts';
import { hexId, makeSpan } from '../fixtures/clickhouse.ts';
import { ids, MIN, startQueryFixture, type QueryDataSet } from '../fixtures/query.ts';
import { writeKeptSpans } from '../fixtures/trace-records.ts';

/**
 * api_v3 as Jaeger 2.x serves it (cmd/jaeger/internal/extension/jaegerquery/internal/apiv3
 * at Jaeger v2.20): trace summaries, search without a service, camelCase parameters.
 */
let fixture: Awaited<ReturnType<typeof startQueryFixture>>;
let ds: QueryDataSet;
const E = hexId(0xe5, 32);
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

beforeAll(async () => {
  fixture = await startQueryFixture();
  ds = fixture.ds;
  // Trace E: a root, two different spans reusing one span id, and an orphan whose parent never arrived.
  const t = ds.T + 5 * MIN;
  const span = (id: number, parent: number, name: string, kind: 0 | 1 | 2 | 3, start: number, dur: number) => makeSpan({
    traceId: E, spanId: hexId(id, 16), parentSpanId: parent === 0 ? '' : hexId(parent, 16), service: 'inventory', name, kind,
    startTimeUnixNano: ns(start), endTimeUnixNano: ns(start + dur),
  });
  const spans = [
    span(0x51, 0, 'reindex', SpanKind.INTERNAL, t, 300),
    span(0x52, 0x51, 'shard 1', SpanKind.INTERNAL, t + 10, 100),
    span(0x52, 0x51, 'shard 1', SpanKind.CLIENT, t + 10, 100),
    span(0x53, 0x99, 'late child', SpanKind.INTERNAL, t + 400, 50),
  ];
  await writeKeptSpans(new ClickHouseWriter({ client: fixture.ch.client }), spans, { policy: 'default', sampleRate: 1, late: false }, 'v3-jaeger2|E');
});
afterAll(async () => {
  await fixture?.close();
});

async function v3<T>(path: string, params: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${fixture.http.url}/api/v3/${path}?${new URLSearchParams(params).toString()}`);
  return { status: res.status, body: (await res.json()) as T };
}

interface TracesBody { result?: { resourceSpans: { scopeSpans: { spans: { traceId: string; spanId: string; kind: number }[] }[] }[] }; error?: { httpCode: number; message: string } }
interface Summary { traceId: string; rootServiceName: string; rootOperationName: string; minStartTimeUnixNano: string; maxEndTimeUnixNano: string; spanCount: number; errorSpanCount: number; orphanSpanCount: number; services: { name: string; spanCount: number; errorSpanCount: number }[] }

const iso = (ms: number): string => new Date(ms).toISOString();
const spansOf = (b: TracesBody) => (b.result?.resourceSpans ?? []).flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
const traceIdsOf = (b: TracesBody): string[] => [...new Set(spansOf(b).map((s) => s.traceId))];
const range = (): Record<string, string> => ({ 'query.startTimeMin': iso(ds.T - 200 * MIN), 'query.startTimeMax': iso(ds.T + 10 * MIN) });

describe('api_v3 as Jaeger 2.x serves it', () => {
  it('searches by time range alone, and by attributes without a service name', async () => {
    expect(traceIdsOf((await v3<TracesBody>('traces', range())).body)).toEqual([E, ids.C, ids.B, ids.A, ids.D]);
    // db.system is on payment's client span, retry on payment's server span: no frontend span has either
    expect(traceIdsOf((await v3<TracesBody>('traces', { ...range(), 'query.attributes': '{"db.system":"postgresql"}' })).body)).toEqual([ids.A]);
    expect(traceIdsOf((await v3<TracesBody>('traces', { ...range(), 'query.attributes': '{"retry":"true","amount":"12.5"}', 'query.operationName': 'charge' })).body)).toEqual([ids.A]);
    expect(traceIdsOf((await v3<TracesBody>('traces', { ...range(), 'query.durationMin': '2s' })).body)).toEqual([ids.C]);
  });

  it('takes camelCase names first and snake_case aliases second', async () => {
    const camel = { ...range(), 'query.serviceName': 'frontend', 'query.searchDepth': '2' };
    expect(traceIdsOf((await v3<TracesBody>('traces', camel)).body)).toEqual([ids.C, ids.B]);
    const both = { ...camel, 'query.service_name': 'inventory', 'query.num_traces': '1' };
    expect(traceIdsOf((await v3<TracesBody>('traces', both)).body)).toEqual([ids.C, ids.B]);
    const snake = { 'query.service_name': 'inventory', 'query.start_time_min': iso(ds.T - 200 * MIN), 'query.start_time_max': iso(ds.T + 10 * MIN), 'query.num_traces': '1' };
    expect(traceIdsOf((await v3<TracesBody>('traces', snake)).body)).toEqual([E]);
    expect((await v3<{ operations: unknown[] }>('operations', { service: 'payment', spanKind: 'client' })).body.operations).toEqual([{ name: 'SELECT accounts', spanKind: 'client' }]);
  });

  it('a search that finds nothing is a 404 "No traces found", as Jaeger 2.x answers', async () => {
    const r = await v3<TracesBody>('traces', { ...range(), 'query.attributes': '{"db.system":"oracle"}' });
    expect(r.status).toBe(404);
    expect(r.body.error).toMatchObject({ httpCode: 404, message: 'No traces found' });
  });

  it('a trace whose spans repeat a span id returns all of them', async () => {
    const one = await v3<TracesBody>(`traces/${E}`, { startTime: iso(ds.T), rawTraces: 'true' });
    expect(spansOf(one.body).map((s) => [s.spanId, s.kind]).sort()).toEqual([[hexId(0x51, 16), 1], [hexId(0x52, 16), 1], [hexId(0x52, 16), 3], [hexId(0x53, 16), 1]]);
    const found = await v3<TracesBody>('traces', { ...range(), 'query.serviceName': 'inventory', 'query.operationName': 'shard 1' });
    expect(spansOf(found.body).filter((s) => s.spanId === hexId(0x52, 16))).toHaveLength(2);
    expect((await v3<TracesBody>(`traces/${E}`, { start_time: 'noon' })).status).toBe(400);
  });

  it('trace-summaries: root, time span, counts per trace and per service, orphans', async () => {
    const r = await v3<{ summaries: Summary[] }>('trace-summaries', range());
    expect(r.status).toBe(200);
    expect(r.body.summaries.map((s) => s.traceId)).toEqual([E, ids.C, ids.B, ids.A, ids.D]);
    const by = new Map(r.body.summaries.map((s) => [s.traceId, s]));
    expect(by.get(ids.A)).toEqual({
      traceId: ids.A, rootServiceName: 'frontend', rootOperationName: 'GET /checkout',
      minStartTimeUnixNano: ns(ds.T).toString(), maxEndTimeUnixNano: ns(ds.T + 120).toString(),
      spanCount: 4, errorSpanCount: 3, orphanSpanCount: 0,
      services: [{ name: 'frontend', spanCount: 2, errorSpanCount: 2 }, { name: 'payment', spanCount: 2, errorSpanCount: 1 }],
    });
    // B's cache span arrived late (its own insert): still one trace, two services
    expect(by.get(ids.B)?.services).toEqual([{ name: 'cache', spanCount: 1, errorSpanCount: 0 }, { name: 'frontend', spanCount: 1, errorSpanCount: 0 }]);
    expect(by.get(ids.C)).toMatchObject({ minStartTimeUnixNano: ns(ds.T + 2 * MIN - 200).toString(), maxEndTimeUnixNano: ns(ds.T + 2 * MIN + 2500).toString(), spanCount: 3 });
    expect(by.get(E)).toMatchObject({ rootServiceName: 'inventory', rootOperationName: 'reindex', spanCount: 4, errorSpanCount: 0, orphanSpanCount: 1 });
  });

  it('trace-summaries take the same filters, and an empty result is an empty list', async () => {
    const r = await v3<{ summaries: Summary[] }>('trace-summaries', { ...range(), 'query.serviceName': 'frontend', 'query.attributes': '{"http.status_code":"500"}', 'query.searchDepth': '2' });
    expect(r.body.summaries.map((s) => s.traceId)).toEqual([ids.C, ids.A]);
    expect((await v3('trace-summaries', { ...range(), 'query.serviceName': 'nobody' })).body).toEqual({ summaries: [] });
    const bad = await v3<{ error: { httpCode: number; message: string } }>('trace-summaries', { 'query.startTimeMin': iso(ds.T) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("'query.startTimeMax'");
  });
});
