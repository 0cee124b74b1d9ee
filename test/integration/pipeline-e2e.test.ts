import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../src/app/pipeline.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { Span } from '../../src/model/span.ts';
import { rowToSpan, type SpanRow } from '../../src/clickhouse/rows.ts';
import { createLogger } from '../../src/util/log.ts';
import { EPHEMERAL_PORTS, keepAllConfig } from '../fixtures/app-env.ts';
import { normalizeSpan } from '../fixtures/clickhouse.ts';
import { expectedOtlpSpan, tracerProvider } from '../fixtures/otel.ts';
import { postSql, until } from '../fixtures/poll.ts';

let dir: string;
let pipeline: Pipeline;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tailstream-e2e-'));
  pipeline = await startPipeline(
    loadConfig({
      ...EPHEMERAL_PORTS,
      DATA_DIR: dir,
      TAILSTREAM_CONFIG: keepAllConfig(dir, { decisionWait: '300ms', rootGrace: '100ms' }),
      SAMPLING_TICK_MS: '50',
      SINK_FLUSH_MS: '100',
      WINDOW_FLUSH_DELAY_MS: '-60000', // emit the open minute at once, as a partial sum
      TTL_DAYS: '0',
      ERROR_TTL_DAYS: '0',
      // Long enough that a trace lands while a runaway /sql query still runs, on a busy machine.
      SQL_TIMEOUT_MS: '12000',
      SQL_MAX_ROWS_TO_READ: '10000000000000', // the time limit, not the row limit, cuts the runaway
    }),
    createLogger('e2e', 'warn'),
  );
});
afterAll(async () => {
  await pipeline?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sql = <T>(query: string): Promise<T[]> => postSql<T>(`http://127.0.0.1:${pipeline.ports.query}`, query);

describe('end to end: OpenTelemetry JS SDK → embedded pipeline (npm start) → ClickHouse', () => {
  it('every span lands in spans with all its fields, and the call lands in dependency_edges', async () => {
    const url = `http://127.0.0.1:${pipeline.ports.otlp}/v1/traces`;
    const front = tracerProvider(new OTLPTraceExporter({ url }), 'frontend');
    const cart = tracerProvider(new OTLPTraceExporter({ url }), 'cart');
    const tracer = front.provider.getTracer('web', '2.0.1');
    const root = tracer.startSpan('GET /cart', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/cart', 'user.premium': true, 'cart.size': 3, 'cart.total': 42.5, tags: ['a', 'b'] } });
    root.addEvent('cache.miss', { key: 'cart:1', attempt: 2 });
    const call = tracer.startSpan('GET cart-service', { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'GET', 'server.address': 'cart' } }, trace.setSpan(context.active(), root));
    const server = cart.provider.getTracer('grpc', '1.0.0').startSpan('GetCart', { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc' } }, trace.setSpan(context.active(), call));
    server.setStatus({ code: SpanStatusCode.ERROR, message: 'cart not found' });
    server.end();
    call.end();
    root.end();
    await front.provider.forceFlush();
    await cart.provider.forceFlush();
    const sent = [...front.memory.getFinishedSpans(), ...cart.memory.getFinishedSpans()];
    const traceId = root.spanContext().traceId;

    const rows = await until('3 spans in ClickHouse', async () => {
      const r = await sql<SpanRow>(`SELECT * FROM tailstream.spans WHERE trace_id = '${traceId}'`);
      return r.length === 3 ? r : undefined;
    });
    const stored = new Map<string, Span>(rows.map((r) => [r.span_id, rowToSpan(r)]));
    for (const s of sent) {
      const got = stored.get(s.spanContext().spanId);
      expect(got, s.name).toBeDefined();
      const { flags: _flags, links, ...rest } = got as Span;
      expect(normalizeSpan({ ...rest, flags: 0, links: links.map(({ flags: _f, ...l }) => ({ ...l, flags: 0 })) } as Span)).toEqual(
        normalizeSpan({ ...expectedOtlpSpan(s), flags: 0, links: [] } as unknown as Span),
      );
    }
    expect(rows.every((r) => (r as unknown as { policy: string }).policy === 'keep-all')).toBe(true);

    const edges = await until('the frontend → cart edge', async () => {
      const r = await sql<{ parent: string; child: string; calls: string; errors: string }>(
        `SELECT parent, child, sum(calls) AS calls, sum(errors) AS errors FROM tailstream.dependency_edges GROUP BY parent, child`,
      );
      return r.length > 0 ? r : undefined;
    });
    expect(edges.map((e) => [e.parent, e.child, Number(e.calls), Number(e.errors)])).toEqual([['frontend', 'cart', 1, 1]]);
    const traces = await sql<{ spans: string }>(`SELECT uniqExact(span_id) AS spans FROM tailstream.spans WHERE trace_id = '${traceId}'`);
    expect(Number(traces[0]?.spans)).toBe(3);
    await front.provider.shutdown();
    await cart.provider.shutdown();
  });

  it('a runaway /sql query is cut at its limit while ingest and the Jaeger API keep working', async () => {
    const base = `http://127.0.0.1:${pipeline.ports.query}`;
    let settled = false;
    const runaway = fetch(`${base}/sql`, { method: 'POST', body: 'SELECT sum(sipHash64(number)) FROM numbers(1e12)' }).then(async (r) => {
      settled = true;
      return { status: r.status, body: (await r.json()) as { error?: string } };
    });
    // /sql runs one query at a time: a 429 says the runaway one holds the engine connection.
    await until('the runaway query running', async () => ((await fetch(`${base}/sql`, { method: 'POST', body: 'SELECT 1' })).status === 429 ? true : undefined));

    const url = `http://127.0.0.1:${pipeline.ports.otlp}/v1/traces`;
    const shop = tracerProvider(new OTLPTraceExporter({ url }), 'shop');
    const root = shop.provider.getTracer('web').startSpan('GET /during-runaway', { kind: SpanKind.SERVER });
    root.end();
    await shop.provider.forceFlush();
    const traceId = root.spanContext().traceId;
    await until('the trace through the Jaeger API', async () => {
      const r = await fetch(`${base}/api/traces/${traceId}`);
      if (r.status !== 200) return undefined;
      const body = (await r.json()) as { data: { spans: unknown[] }[] };
      return body.data[0]?.spans.length === 1 ? true : undefined;
    });
    expect(settled, 'the trace was ingested, stored and served while the runaway query ran').toBe(false);
    const cut = await runaway;
    expect(cut.status).toBe(400);
    expect(cut.body.error).toMatch(/SQL_TIMEOUT_MS/);
    await shop.provider.shutdown();
  });
});
