import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JaegerTrace } from '../../src/query/jaeger-model.ts';
import { keepAllConfig, kafkaRunEnv } from '../fixtures/app-env.ts';
import { startApp, until, type AppProcess } from '../fixtures/app-process.ts';
import { testBrokerLabel, testBrokers, uniqueName } from '../fixtures/kafka.ts';
import { getJaeger, jaegerShape, rootPolicy, sendCheckoutTraces, sentShapes, sql, waitForWholeTraces } from '../fixtures/otel-traces.ts';

const TRACES = 12;
let dir: string;
let app: AppProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tailstream-kafka-e2e-'));
  const run = uniqueName('e2e');
  console.log(`[e2e] npm start on ${testBrokerLabel()} at ${testBrokers().join(',')}, topics ${run}.*`);
  app = await startApp({
    ...kafkaRunEnv(run),
    DATA_DIR: dir,
    TAILSTREAM_CONFIG: keepAllConfig(dir, { decisionWait: '1s', rootGrace: '200ms' }),
    SAMPLING_TICK_MS: '100',
    SINK_FLUSH_MS: '200',
    WINDOW_FLUSH_DELAY_MS: '-60000', // emit the open minute at once, as partial sums
    LOG_LEVEL: 'info', // counted into the failure message (rebalances, task starts)
  });
});
afterAll(async () => {
  const code = await app?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  expect(code, 'exit code after SIGTERM').toBe(0);
});

describe('end to end on Kafka: npm start with KAFKA_BROKERS (ingest → raw-spans → tail sampling → sink → ClickHouse → query API)', () => {
  it('OpenTelemetry SDK traces come back whole from the Jaeger API, with dependencies and span metrics', async () => {
    const sent = await sendCheckoutTraces(app.ports.otlp, TRACES);
    expect(sent.exportCodes.every((c) => c === 0), `OTLP export results ${sent.exportCodes.join(',')}`).toBe(true);
    const expected = sentShapes(sent.spans);
    expect(expected.size).toBe(TRACES);

    const traces = await waitForWholeTraces(app.ports.query, expected, 90_000, () => `app log messages:\n${app.logSummary()}`);
    for (const [traceId, t] of traces) {
      expect(jaegerShape(t), `trace ${traceId}`).toEqual(expected.get(traceId));
      expect(rootPolicy(t), `decision on the root of ${traceId}`).toBe('keep-all');
    }

    // Search by service finds every trace, each whole.
    const { status, body } = await getJaeger<JaegerTrace[]>(app.ports.query, '/api/traces?service=frontend&limit=100&lookback=1h');
    expect(status).toBe(200);
    expect(new Set(body.data.map((t) => t.traceID))).toEqual(new Set(expected.keys()));
    for (const t of body.data) expect(jaegerShape(t), `searched trace ${t.traceID}`).toEqual(expected.get(t.traceID));

    // Every call frontend → cart is an edge; the failed AddItem spans are its errors.
    const links = await until(
      `${TRACES} frontend → cart calls in GET /api/dependencies`,
      async () => {
        const d = (await getJaeger<{ parent: string; child: string; callCount: number; errorCount: number }[]>(app.ports.query, '/api/dependencies')).body.data;
        return d.reduce((n, l) => n + l.callCount, 0) >= TRACES ? d : undefined;
      },
      30_000,
    );
    expect(links.map((l) => [l.parent, l.child, l.callCount, l.errorCount])).toEqual([['frontend', 'cart', TRACES, Math.ceil(TRACES / 4)]]);

    // Span metrics count every span, per service and operation.
    const want = new Map<string, number>();
    for (const s of sent.spans) {
      const k = `${String(s.resource.attributes['service.name'])}|${s.name}`;
      want.set(k, (want.get(k) ?? 0) + 1);
    }
    const metrics = await until(
      `${sent.spans.length} span calls in span_metrics`,
      async () => {
        const rows = await sql<{ k: string; calls: string }>(app.ports.query, "SELECT concat(service, '|', operation) AS k, toString(sum(calls)) AS calls FROM tailstream.span_metrics GROUP BY k");
        return rows.reduce((n, r) => n + Number(r.calls), 0) >= sent.spans.length ? rows : undefined;
      },
      30_000,
    );
    expect(new Map(metrics.map((r) => [r.k, Number(r.calls)]))).toEqual(want);
  }, 180_000); // bounds: 90 s for the traces (two full pipelines in parallel on 2 busy cores took 54 s), 30 s each for the rest
});
