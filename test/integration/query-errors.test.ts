import { loadConfig } from '../../src/config/config.ts';
import { openSeparateClickHouse } from '../../src/clickhouse/client.ts';
import { createLogger } from '../../src/util/log.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQueryServer } from '../../src/app/query-server.ts';
import type { Listening } from '../../src/ingest/server.ts';
import { MetricsRegistry } from '../../src/metrics/registry.ts';
import { SpanKind, type Span } from '../../src/model/span.ts';
import type { JaegerTrace } from '../../src/query/jaeger-model.ts';
import { ClickHouseWriter } from '../../src/sink/writer.ts';
import { hexId, makeSpan, openTestClickHouse, type TestClickHouse } from '../fixtures/clickhouse.ts';
import { writeKeptSpans } from '../fixtures/trace-records.ts';

/**
 * The whole query server on :16686's routes (query API, UI, /sql, /metrics, /healthz) over
 * a real chdb: every answer is JSON — 404s, bad URIs, bad bodies — never Express's HTML
 * page; durations past int64 are a 400; spans sharing a span id are all shown.
 */
let ch: TestClickHouse;
let server: Listening;
let base: string;

const TRACE = hexId(0xe7, 32);
const START = BigInt(Date.now() - 60_000) * 1_000_000n;
const shared = { traceId: TRACE, spanId: hexId(0x51, 16), service: 'checkout', startTimeUnixNano: START, endTimeUnixNano: START + 5_000_000n };
/** One span id, two kinds: a buggy client's reuse, not a retry. */
const twins: Span[] = [
  makeSpan({ ...shared, name: 'GET /cart', kind: SpanKind.SERVER }),
  makeSpan({ ...shared, name: 'GET /cart', kind: SpanKind.CLIENT }),
  makeSpan({ traceId: TRACE, spanId: hexId(0x52, 16), parentSpanId: hexId(0x51, 16), service: 'checkout', name: 'SELECT', kind: SpanKind.CLIENT, startTimeUnixNano: START + 1_000_000n, endTimeUnixNano: START + 2_000_000n }),
];

beforeAll(async () => {
  ch = await openTestClickHouse({ spansTtlDays: 0, errorTtlDays: 0 });
  const writer = new ClickHouseWriter({ client: ch.client });
  const decision = { policy: 'always', sampleRate: 1, late: false };
  // The table as it is between merges (the replacing merge keys on service, start, trace and span id).
  await ch.client.command({ query: 'SYSTEM STOP MERGES spans' });
  const [serverKind, clientKind, child] = twins as [Span, Span, Span];
  await writeKeptSpans(writer, [serverKind, child], decision, 'errors-test|1');
  await writeKeptSpans(writer, [clientKind], decision, 'errors-test|2');
  // A replay of the first batch under another dedup token: byte-identical copies must still collapse.
  await writeKeptSpans(writer, [serverKind, child], decision, 'errors-test|replay');
  expect((await ch.rows<{ n: string }>(`SELECT count() AS n FROM spans WHERE trace_id = '${TRACE}'`))[0]?.n).toBe('5');
  const sql = { open: () => openSeparateClickHouse({ dataDir: ch.dir, database: 'tailstream' }), database: 'tailstream', limits: loadConfig({}).sql.limits, cancellable: false, token: undefined, logger: createLogger('sql', 'error') };
  server = await startQueryServer({ clickhouse: ch.client, database: 'tailstream', registry: new MetricsRegistry(), port: 0, host: '127.0.0.1', sql });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server?.close();
  await ch?.close();
});

async function call(path: string, init?: RequestInit): Promise<{ status: number; type: string; text: string; json: () => unknown }> {
  const res = await fetch(base + path, init);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, json: () => JSON.parse(text) };
}

function expectJsonNoStack(r: { type: string; text: string }): void {
  expect(r.type).toContain('application/json');
  expect(r.text).not.toMatch(/<html|<!DOCTYPE|<pre>/i);
  expect(r.text).not.toMatch(/\n\s+at |node_modules/);
}

describe('no HTML and no stack trace anywhere on the query server', () => {
  it.each([
    ['GET', '/nothing/here'],
    ['GET', '/static/missing.js'],
    ['POST', '/healthz'],
    ['DELETE', '/'],
  ])('%s %s → JSON 404', async (method, path) => {
    const r = await call(path, { method });
    expect(r.status).toBe(404);
    expectJsonNoStack(r);
    expect(r.json()).toMatchObject({ error: { code: 404, message: expect.stringContaining(path) } });
  });

  it('an unknown /api path is a 404 in Jaeger\'s envelope', async () => {
    const r = await call('/api/nothing');
    expect(r.status).toBe(404);
    expect(r.json()).toEqual({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: 'endpoint /api/nothing not found' }] });
  });

  it('a malformed percent-escape is a 400, in Jaeger\'s envelope under /api', async () => {
    const ui = await call('/trace/%E0%A4%A');
    expect(ui.status).toBe(400);
    expectJsonNoStack(ui);
    const api = await call('/api/traces/%E0%A4%A');
    expect(api.status).toBe(400);
    expectJsonNoStack(api);
    expect(api.json()).toMatchObject({ data: null, errors: [{ code: 400 }] });
  });

  it('a /sql body that is not JSON though it says so is a JSON 400', async () => {
    const r = await call('/sql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(r.status).toBe(400);
    expectJsonNoStack(r);
  });
});

describe('durations past int64 are refused, not wrapped', () => {
  it.each([
    ['maxDuration', '18446744073709551616ns'],
    ['maxDuration', '9223372036854775808ns'],
    ['minDuration', '3000000h'],
  ])('/api/traces %s=%s → 400 naming it', async (param, value) => {
    const r = await call(`/api/traces?service=checkout&${param}=${value}`);
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ data: null, errors: [{ code: 400, msg: expect.stringContaining(`'${param}'`) }] });
  });

  it('api_v3 query.duration_max past int64 → 400 naming it', async () => {
    const now = new Date().toISOString();
    const q = new URLSearchParams({ 'query.service_name': 'checkout', 'query.start_time_min': '2020-01-01T00:00:00Z', 'query.start_time_max': now, 'query.duration_max': '18446744073709551616ns' });
    const r = await call(`/api/v3/traces?${q}`);
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.json())).toContain("'query.duration_max'");
  });

  it('a lookback past int64 is refused too', async () => {
    const r = await call('/api/traces?service=checkout&lookback=999999999999999d');
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.json())).toContain("'lookback'");
  });

  it('the largest duration Go accepts still works and finds the trace', async () => {
    const r = await call('/api/traces?service=checkout&maxDuration=9223372036854775807ns&lookback=2h');
    expect(r.status).toBe(200);
    expect((r.json() as { data: JaegerTrace[] }).data.map((t) => t.traceID)).toEqual([TRACE]);
  });
});

describe('spans that share a span id are all shown; only identical copies collapse', () => {
  const kinds = (spans: readonly { spanID: string; tags: readonly { key: string; value: unknown }[] }[]): string[] =>
    spans.filter((s) => s.spanID === shared.spanId).map((s) => String(s.tags.find((t) => t.key === 'span.kind')?.value)).sort();

  it('Jaeger /api/traces/:id shows both kinds once each', async () => {
    const r = await call(`/api/traces/${TRACE}`);
    expect(r.status).toBe(200);
    const [trace] = (r.json() as { data: JaegerTrace[] }).data;
    expect(trace?.spans).toHaveLength(3);
    expect(kinds(trace?.spans ?? [])).toEqual(['client', 'server']);
  });

  it('Jaeger search by trace id and api_v3 show both too', async () => {
    const search = (await call(`/api/traces?traceID=${TRACE}`)).json() as { data: JaegerTrace[] };
    expect(search.data[0]?.spans).toHaveLength(3);
    const v3 = (await call(`/api/v3/traces/${TRACE}`)).json() as { result: { resourceSpans: { scopeSpans: { spans: { spanId: string; kind: number }[] }[] }[] } };
    const spans = v3.result.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
    expect(spans).toHaveLength(3);
    expect(spans.filter((s) => s.spanId === shared.spanId).map((s) => s.kind).sort()).toEqual([SpanKind.SERVER, SpanKind.CLIENT].sort());
  });
});
