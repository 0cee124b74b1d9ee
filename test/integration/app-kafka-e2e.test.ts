import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLING_POLICY_TAG } from '../../src/query/jaeger-json.ts';
import type { JaegerResponse, JaegerTrace } from '../../src/query/jaeger-model.ts';
import { startApp, until, type AppProcess } from '../fixtures/app-process.ts';
import { testBrokerLabel, testBrokers, uniqueName } from '../fixtures/kafka.ts';
import { tracerProvider } from '../fixtures/otel.ts';

const TRACES = 12;
let dir: string;
let app: AppProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tailstream-kafka-e2e-'));
  writeFileSync(join(dir, 'tailstream.yaml'), 'sampling:\n  decision_wait: 1s\n  root_grace: 200ms\n  policies:\n    - { name: keep-all, type: always_sample }\n');
  const run = uniqueName('e2e');
  console.log(`[e2e] npm start on ${testBrokerLabel()} at ${testBrokers().join(',')}, topics ${run}.*`);
  app = await startApp({
    KAFKA_BROKERS: testBrokers().join(','),
    KAFKA_TOPIC_PREFIX: `${run}.`,
    SAMPLING_APP_ID: `${run}-sampling`,
    SINK_APP_ID: `${run}-sink`,
    DATA_DIR: dir,
    TAILSTREAM_CONFIG: join(dir, 'tailstream.yaml'),
    SAMPLING_TICK_MS: '100',
    SINK_FLUSH_MS: '200',
    WINDOW_FLUSH_DELAY_MS: '-60000', // emit the open minute at once, as partial sums
    LOG_LEVEL: 'warn',
  });
});
afterAll(async () => {
  const code = await app?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  expect(code, 'exit code after SIGTERM').toBe(0);
});

async function get<T>(path: string): Promise<{ status: number; body: JaegerResponse<T> }> {
  const res = await fetch(`http://127.0.0.1:${app.ports.query}${path}`);
  return { status: res.status, body: (await res.json()) as JaegerResponse<T> };
}

async function sql<T>(query: string): Promise<T[]> {
  const res = await fetch(`http://127.0.0.1:${app.ports.query}/sql`, { method: 'POST', body: query });
  const body = (await res.json()) as { rows?: T[]; error?: string };
  if (!res.ok) throw new Error(`POST /sql ${res.status}: ${body.error}`);
  return body.rows ?? [];
}

/** Trace i: frontend GET → frontend CLIENT call → cart SERVER → 1–2 cart INTERNAL queries; every 4th trace fails in cart. */
async function sendTraces(): Promise<ReadableSpan[]> {
  const url = `http://127.0.0.1:${app.ports.otlp}/v1/traces`;
  const front = tracerProvider(new OTLPTraceExporter({ url }), 'frontend');
  const cart = tracerProvider(new OTLPTraceExporter({ url }), 'cart');
  const web = front.provider.getTracer('web', '1.0.0');
  const rpc = cart.provider.getTracer('rpc', '1.0.0');
  for (let i = 0; i < TRACES; i++) {
    const root = web.startSpan(`GET /checkout/${i % 3}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'test.trace': i } });
    const call = web.startSpan('POST cart', { kind: SpanKind.CLIENT, attributes: { 'server.address': 'cart' } }, trace.setSpan(context.active(), root));
    const server = rpc.startSpan('AddItem', { kind: SpanKind.SERVER }, trace.setSpan(context.active(), call));
    for (let q = 0; q < 1 + (i % 2); q++) rpc.startSpan('SELECT items', { kind: SpanKind.INTERNAL }, trace.setSpan(context.active(), server)).end();
    if (i % 4 === 0) server.setStatus({ code: SpanStatusCode.ERROR, message: 'out of stock' });
    server.end();
    call.end();
    root.end();
  }
  for (const p of [front, cart]) await p.provider.forceFlush();
  const sent = [...front.memory.getFinishedSpans(), ...cart.memory.getFinishedSpans()];
  for (const p of [front, cart]) await p.provider.shutdown();
  return sent;
}

/** What the Jaeger API must return for each span: operation, service, parent. */
type Shape = Record<string, { op: string; service: string; parent: string }>;

function sentShape(spans: readonly ReadableSpan[]): Map<string, Shape> {
  const out = new Map<string, Shape>();
  for (const s of spans) {
    const { traceId, spanId } = s.spanContext();
    const shape = out.get(traceId) ?? {};
    shape[spanId] = { op: s.name, service: String(s.resource.attributes['service.name']), parent: s.parentSpanContext?.spanId ?? '' };
    out.set(traceId, shape);
  }
  return out;
}

function jaegerShape(t: JaegerTrace): Shape {
  const shape: Shape = {};
  for (const s of t.spans) {
    const parents = s.references.filter((r) => r.refType === 'CHILD_OF' && r.traceID === t.traceID);
    shape[s.spanID] = { op: s.operationName, service: t.processes[s.processID]?.serviceName ?? `(no process ${s.processID})`, parent: parents[0]?.spanID ?? '' };
  }
  return shape;
}

describe(`end to end on Kafka: npm start with KAFKA_BROKERS (ingest → raw-spans → tail sampling → sink → ClickHouse → query API)`, () => {
  it('OpenTelemetry SDK traces come back whole from the Jaeger API, with dependencies and span metrics', async () => {
    const sent = await sendTraces();
    const expected = sentShape(sent);
    expect(expected.size).toBe(TRACES);

    const seen = new Map<string, number>();
    for (const [traceId, shape] of expected) {
      const t = await until(
        `trace ${traceId} whole (${Object.keys(shape).length} spans) from GET /api/traces/${traceId}`,
        async () => {
          const { status, body } = await get<JaegerTrace[]>(`/api/traces/${traceId}`);
          const got = status === 200 ? body.data[0] : undefined;
          seen.set(traceId, got?.spans.length ?? 0);
          return got && got.spans.length >= Object.keys(shape).length ? got : undefined;
        },
        60_000,
        () => `spans seen per trace: ${JSON.stringify(Object.fromEntries(seen))}; app stderr: ${app.stderr()}`,
      );
      expect(jaegerShape(t), `trace ${traceId}`).toEqual(shape);
      const root = t.spans.find((sp) => sp.references.length === 0);
      expect(root?.tags.find((tag) => tag.key === SAMPLING_POLICY_TAG)?.value, `decision on the root of ${traceId}`).toBe('keep-all');
    }

    // Search by service finds every trace, each whole.
    const { status, body } = await get<JaegerTrace[]>('/api/traces?service=frontend&limit=100&lookback=1h');
    expect(status).toBe(200);
    expect(new Set(body.data.map((t) => t.traceID))).toEqual(new Set(expected.keys()));
    for (const t of body.data) expect(jaegerShape(t), `searched trace ${t.traceID}`).toEqual(expected.get(t.traceID));

    // Every call frontend → cart is an edge; the failed AddItem spans are its errors.
    const failed = Math.ceil(TRACES / 4);
    const links = await until(
      `${TRACES} frontend → cart calls in GET /api/dependencies`,
      async () => {
        const d = (await get<{ parent: string; child: string; callCount: number; errorCount: number }[]>('/api/dependencies')).body.data;
        return d.reduce((n, l) => n + l.callCount, 0) >= TRACES ? d : undefined;
      },
      30_000,
    );
    expect(links.map((l) => [l.parent, l.child, l.callCount, l.errorCount])).toEqual([['frontend', 'cart', TRACES, failed]]);

    // Span metrics count every span, per service and operation.
    const want = new Map<string, number>();
    for (const s of sent) {
      const k = `${String(s.resource.attributes['service.name'])}|${s.name}`;
      want.set(k, (want.get(k) ?? 0) + 1);
    }
    const metrics = await until(
      `${sent.length} span calls in span_metrics`,
      async () => {
        const rows = await sql<{ k: string; calls: string }>("SELECT concat(service, '|', operation) AS k, toString(sum(calls)) AS calls FROM tailstream.span_metrics GROUP BY k");
        return rows.reduce((n, r) => n + Number(r.calls), 0) >= sent.length ? rows : undefined;
      },
      30_000,
    );
    expect(new Map(metrics.map((r) => [r.k, Number(r.calls)]))).toEqual(want);
  });
});
