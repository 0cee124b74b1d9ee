/**
 * Remote sampling with @opentelemetry/sampler-jaeger-remote on the embedded pipeline: the
 * configured strategies as Jaeger serves them, and adaptive per-operation probabilities
 * that follow the target traces/s under a changing seeded workload. Time is explicit: span
 * timestamps place each batch in a minute window and the test asks for each recomputation.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { JaegerRemoteSampler } from '@opentelemetry/sampler-jaeger-remote';
import { AlwaysOffSampler, BasicTracerProvider, BatchSpanProcessor, SamplingDecision, type IdGenerator, type Sampler } from '@opentelemetry/sdk-trace-node';
import { initTracer, type JaegerTracer } from 'jaeger-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../src/app/pipeline.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/util/log.ts';
import { Rng } from '../../src/workload/random.ts';
import { postSql, until } from '../fixtures/poll.ts';

const TARGET = 20;
let dir: string;
let pipeline: Pipeline;
let base: string;
const intervals: NodeJS.Timeout[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tailstream-remote-sampling-'));
  writeFileSync(join(dir, 'tailstream.yaml'), `
sampling:
  decision_wait: 300ms
  root_grace: 100ms
  policies: [{ name: few, type: probabilistic, probabilistic: { sampling_percentage: 1 } }]
remote_sampling:
  service_strategies:
    - service: static-shop
      type: probabilistic
      param: 0.5
      operation_strategies: [{ operation: GET /rare, type: probabilistic, param: 0.2 }]
  adaptive:
    target_samples_per_second: ${TARGET}
    initial_sampling_probability: 0.1
    calculation_interval: 0s
`);
  pipeline = await startPipeline(
    loadConfig({
      DATA_DIR: dir, TAILSTREAM_CONFIG: join(dir, 'tailstream.yaml'), HOST: '127.0.0.1',
      OTLP_HTTP_PORT: '0', ZIPKIN_PORT: '0', QUERY_PORT: '0', JAEGER_HTTP_PORT: '0', JAEGER_AGENT_COMPACT_PORT: '0', JAEGER_AGENT_BINARY_PORT: '0', SAMPLING_PORT: '0',
      SAMPLING_TICK_MS: '50', SINK_FLUSH_MS: '100', WINDOW_FLUSH_DELAY_MS: '-60000', TTL_DAYS: '0', ERROR_TTL_DAYS: '0',
    }),
    createLogger('remote-sampling', 'warn'),
  );
  base = `http://127.0.0.1:${pipeline.ports.query}`;
});
afterAll(async () => {
  for (const i of intervals) clearInterval(i);
  await pipeline?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The sampler under test; its polling timer is kept (and cleared at the end): the test refreshes it explicitly. */
function remoteSampler(endpoint: string, serviceName: string): { sampler: Sampler; refresh: () => Promise<void> } {
  const real = globalThis.setInterval;
  globalThis.setInterval = ((fn: () => void, ms: number) => {
    const h = real(fn, ms);
    h.unref();
    intervals.push(h);
    return h;
  }) as typeof setInterval;
  let s: JaegerRemoteSampler;
  try {
    s = new JaegerRemoteSampler({ endpoint, serviceName, poolingInterval: 3_600_000, initialSampler: new AlwaysOffSampler() });
  } finally {
    globalThis.setInterval = real;
  }
  const refresh = (s as unknown as { getAndUpdateSampler(): Promise<void> }).getAndUpdateSampler.bind(s);
  return { sampler: s as unknown as Sampler, refresh };
}

const sql = <T>(query: string): Promise<T[]> => postSql<T>(`${base}`, query);

/**
 * jaeger-client's close() closes the UDP socket right after queueing the last send, which
 * can drop it; flushing first (its callback runs once the datagram is sent) cannot.
 */
async function closeJaegerTracer(tracer: JaegerTracer): Promise<void> {
  await new Promise<void>((res) => (tracer as unknown as { _reporter: { flush(cb: () => void): void } })._reporter.flush(res));
  await new Promise<void>((res) => tracer.close(res));
}

const shouldSampleRatio = (sampler: Sampler, op: string, ids: readonly string[]): number =>
  ids.filter((id) => sampler.shouldSample(ROOT_CONTEXT, id, op, SpanKind.SERVER, {}, []).decision === SamplingDecision.RECORD_AND_SAMPLED).length / ids.length;

describe('Jaeger remote sampling → @opentelemetry/sampler-jaeger-remote', () => {
  it('configured strategies: the same Jaeger JSON on /api/sampling and :5778/sampling, applied per operation', async () => {
    const expected = '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5},"operationSampling":{"defaultSamplingProbability":0.5,"defaultLowerBoundTracesPerSecond":0,"perOperationStrategies":[{"operation":"GET /rare","probabilisticSampling":{"samplingRate":0.2}}],"defaultUpperBoundTracesPerSecond":0}}';
    for (const url of [`${base}/api/sampling?service=static-shop`, `http://127.0.0.1:${pipeline.ports.sampling}/sampling?service=static-shop`]) {
      const r = await fetch(url);
      expect(r.status, url).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await r.text()).toBe(expected);
    }
    const missing = await fetch(`http://127.0.0.1:${pipeline.ports.sampling}/sampling`);
    expect([missing.status, await missing.text()]).toEqual([400, "'service' parameter must be provided"]);

    const rng = new Rng('static-strategies');
    const ids = Array.from({ length: 20_000 }, () => rng.hexId(16));
    for (const endpoint of [`${base}/api`, `http://127.0.0.1:${pipeline.ports.sampling}`]) {
      const { sampler, refresh } = remoteSampler(endpoint, 'static-shop');
      expect(shouldSampleRatio(sampler, 'GET /rare', ids)).toBe(0);
      await refresh();
      expect(shouldSampleRatio(sampler, 'GET /rare', ids)).toBeCloseTo(0.2, 1);
      expect(shouldSampleRatio(sampler, 'GET /other', ids)).toBeCloseTo(0.5, 1);
    }
  });

  it("jaeger-client's remote sampler applies :5778's strategy, and a kept trace's rate is head × tail", async () => {
    const errors: string[] = [];
    const tracer = initTracer(
      {
        serviceName: 'static-shop',
        // Nothing is sampled until the strategy arrives.
        sampler: { type: 'remote', param: 0, hostPort: `127.0.0.1:${pipeline.ports.sampling}`, refreshIntervalMs: 20 },
        reporter: { agentHost: '127.0.0.1', agentPort: pipeline.ports.jaegerBinary, flushIntervalMs: 20 },
      },
      { logger: { info: () => undefined, error: (m: string) => errors.push(m) } },
    );
    const sampled = (name: string): boolean => {
      const span = tracer.startSpan(name);
      const kept = (span.context() as unknown as { isSampled(): boolean }).isSampled();
      span.finish();
      return kept;
    };
    let probes = 0;
    await until('the strategy applied (a probe sampled at the default 0.5)', async () => (sampled('GET /probe') ? true : (probes++, undefined)));
    let headSampled = 1;
    for (let i = 0; i < 6_000; i++) if (sampled('GET /rare')) headSampled++;
    await closeJaegerTracer(tracer);
    expect(errors).toEqual([]);
    expect((headSampled - 1) / 6_000).toBeCloseTo(0.2, 1);
    // The tail keeps 1 %: each kept GET /rare trace stands for 100 / 0.2 = 500.
    const rates = await until('head-sampled traces through the pipeline', async () => {
      const [row] = await sql<{ calls: string }>(`SELECT toString(sum(calls)) AS calls FROM tailstream.span_metrics WHERE service = 'static-shop'`);
      if (Number(row?.calls) !== headSampled) return undefined;
      return sql<{ rate: number; n: string }>(`SELECT sample_rate AS rate, toString(count()) AS n FROM tailstream.spans WHERE service_name = 'static-shop' AND name = 'GET /rare' GROUP BY rate`);
    });
    expect(rates.map((r) => r.rate)).toEqual([500]);
    expect(Number(rates[0]?.n)).toBeGreaterThan(0);
  });

  it('adaptive: per-operation probabilities reach the target traces/s within ±10 % two recomputations after the workload changes', async () => {
    const service = 'adaptive-shop';
    const rng = new Rng('adaptive-workload');
    const ids: IdGenerator = { generateTraceId: () => rng.hexId(16), generateSpanId: () => rng.hexId(8) };
    const { sampler, refresh } = remoteSampler(`${base}/api`, service);
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      sampler,
      idGenerator: ids,
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${pipeline.ports.otlp}/v1/traces` }), { maxQueueSize: 50_000, maxExportBatchSize: 2_000, scheduledDelayMillis: 20 })],
    });
    const tracer = provider.getTracer('load');
    const remote = pipeline.remoteSampling;
    if (!remote) throw new Error('no remote sampling');
    // Whole minutes three hours ago: in the past, well inside every TTL.
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 3 * 3_600_000;

    /** One minute of traffic at `rates` root traces/s per operation; returns sampled traces/s per operation. */
    const runWindow = async (w: number, rates: Record<string, number>): Promise<Record<string, number>> => {
      const start = t0 + w * 60_000;
      const sampled: Record<string, number> = {};
      for (const [op, perSecond] of Object.entries(rates)) {
        const n = perSecond * 60;
        let kept = 0;
        for (let i = 0; i < n; i++) {
          const at = start + Math.floor((i * 60_000) / n);
          const span = tracer.startSpan(op, { kind: SpanKind.SERVER, startTime: at }, ROOT_CONTEXT);
          if (span.isRecording()) kept++;
          span.end(at + 1);
        }
        sampled[op] = kept / 60;
      }
      await provider.forceFlush();
      const total = Object.values(sampled).reduce((a, b) => a + b * 60, 0);
      await until(`window ${w}: ${total} spans in span_metrics`, async () => {
        const [row] = await sql<{ calls: string }>(`SELECT toString(sum(calls)) AS calls FROM tailstream.span_metrics WHERE service = '${service}' AND window_start = toDateTime(${start / 1000}, 'UTC')`);
        return Number(row?.calls) === Math.round(total) ? true : undefined;
      });
      return sampled;
    };
    const served = async (): Promise<Record<string, number>> => {
      const body = (await (await fetch(`${base}/api/sampling?service=${service}`)).json()) as { operationSampling?: { perOperationStrategies: { operation: string; probabilisticSampling: { samplingRate: number } }[] } };
      return Object.fromEntries((body.operationSampling?.perOperationStrategies ?? []).map((o) => [o.operation, o.probabilisticSampling.samplingRate]));
    };
    const step = async (w: number): Promise<Record<string, number>> => {
      await remote.recompute(t0 + w * 60_000);
      await refresh();
      return served();
    };
    const expectNear = (got: Record<string, number>, want: Record<string, number>, what: string) => {
      for (const [op, v] of Object.entries(want)) expect(Math.abs((got[op] ?? 0) / v - 1), `${what} ${op}: ${got[op]} vs ${v}`).toBeLessThanOrEqual(0.1);
    };
    const ideal = (rates: Record<string, number>) => Object.fromEntries(Object.entries(rates).map(([op, r]) => [op, TARGET / r]));
    const target = (rates: Record<string, number>) => Object.fromEntries(Object.keys(rates).map((op) => [op, TARGET]));

    await refresh();
    const before = await runWindow(0, { 'GET /a': 100, 'GET /b': 300, 'GET /c': 110 });
    expectNear(before, { 'GET /a': 10, 'GET /b': 30, 'GET /c': 11 }, 'initial probability 0.1:');

    const phase1 = { 'GET /a': 100, 'GET /b': 300, 'GET /c': 110 };
    await step(0);
    await runWindow(1, phase1);
    expectNear(await step(1), ideal(phase1), 'phase 1, after two recomputations:');
    expectNear(await runWindow(2, phase1), target(phase1), 'phase 1 sampled traces/s:');
    await step(2);

    const phase2 = { 'GET /a': 400, 'GET /b': 150, 'GET /c': 110 };
    await runWindow(3, phase2);
    await step(3);
    await runWindow(4, phase2);
    expectNear(await step(4), ideal(phase2), 'phase 2, after two recomputations:');
    expectNear(await runWindow(5, phase2), target(phase2), 'phase 2 sampled traces/s:');

    // Every instance serves what the table holds: the 5778 port answers the same.
    const viaAgent = await (await fetch(`http://127.0.0.1:${pipeline.ports.sampling}/sampling?service=${service}`)).text();
    expect(viaAgent).toBe(await (await fetch(`${base}/api/sampling?service=${service}`)).text());
    await provider.shutdown();
  });
});
