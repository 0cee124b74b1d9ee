/**
 * Jaeger ingest end to end on the embedded pipeline (`npm start`): traces sent by the real
 * npm clients — @opentelemetry/exporter-jaeger over the collector's HTTP endpoint and the
 * agent's UDP port, jaeger-client over UDP and HTTP — read back in full through our Jaeger API.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode, context, trace, type AttributeValue, type HrTime } from '@opentelemetry/api';
import { JaegerExporter } from '@opentelemetry/exporter-jaeger';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { initTracer, opentracing } from 'jaeger-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../src/app/pipeline.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { JaegerKeyValue, JaegerSpan, JaegerTrace } from '../../src/query/jaeger-model.ts';
import { createLogger } from '../../src/util/log.ts';
import { EPHEMERAL_PORTS, keepAllConfig } from '../fixtures/app-env.ts';
import { tracerProvider } from '../fixtures/otel.ts';
import { GOLDEN_EMIT_BATCH } from '../fixtures/jaeger-thrift-golden.ts';
import { until } from '../fixtures/poll.ts';

let dir: string;
let pipeline: Pipeline;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tailstream-jaeger-'));
  pipeline = await startPipeline(
    loadConfig({
      ...EPHEMERAL_PORTS,
      DATA_DIR: dir,
      TAILSTREAM_CONFIG: keepAllConfig(dir, { decisionWait: '300ms', rootGrace: '100ms' }),
      SAMPLING_TICK_MS: '50', SINK_FLUSH_MS: '100', TTL_DAYS: '0', ERROR_TTL_DAYS: '0',
    }),
    createLogger('jaeger-e2e', 'warn'),
  );
  base = `http://127.0.0.1:${pipeline.ports.query}`;
});
afterAll(async () => {
  await pipeline?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The trace through GET /api/traces/:id once it has `spans` spans. */
async function readTrace(traceId: string, spans: number): Promise<JaegerTrace> {
  return until(`${spans} spans of ${traceId} through the Jaeger API`, async () => {
    const r = await fetch(`${base}/api/traces/${traceId}`);
    if (r.status !== 200) return undefined;
    const t = ((await r.json()) as { data: JaegerTrace[] }).data[0];
    return t && t.spans.length === spans ? t : undefined;
  });
}

const tagKey = (t: JaegerKeyValue) => `${t.key}=${t.type}:${String(t.value)}`;
/** A span as the API shows it, tags as sorted strings, our sampling tags left out. */
function shown(t: JaegerTrace, spanId: string) {
  const s = t.spans.find((x) => x.spanID === spanId) as JaegerSpan;
  expect(s, spanId).toBeDefined();
  const p = t.processes[s.processID];
  return {
    operationName: s.operationName, parent: s.references.find((r) => r.refType === 'CHILD_OF')?.spanID ?? '',
    follows: s.references.filter((r) => r.refType === 'FOLLOWS_FROM').map((r) => `${r.traceID}/${r.spanID}`),
    startTime: s.startTime, duration: s.duration,
    tags: s.tags.filter((x) => !x.key.startsWith('sampling.')).map(tagKey).sort(),
    logs: s.logs.map((l) => ({ timestamp: l.timestamp, fields: l.fields.map(tagKey).sort() })),
    service: p?.serviceName, processTags: (p?.tags ?? []).map((x) => x.key).sort(),
  };
}

/** The exporter's arithmetic: float µs (events: float ms, times 1000 in jaeger-client), truncated by node-int64. */
const us = (t: HrTime): number => Math.trunc(t[0] * 1e6 + t[1] / 1e3);
const eventUs = (t: HrTime): number => Math.trunc((t[0] * 1e3 + t[1] / 1e6) * 1000);
/** jaeger-client's getThriftTags: every number is a DOUBLE tag, anything else not boolean a string. */
const clientTag = (key: string, v: AttributeValue | undefined): string =>
  typeof v === 'number' ? `${key}=float64:${v}` : typeof v === 'boolean' ? `${key}=bool:${v}` : `${key}=string:${String(v)}`;

/** What the API must show for a span the OTel SDK exported through exporter-jaeger (its transform, then the Collector's translator). */
function expectedFromOtel(s: ReadableSpan) {
  const tags = [...Object.entries(s.attributes), ...Object.entries(s.resource.attributes)].map(([k, v]) => clientTag(k, v as AttributeValue));
  if (s.kind !== SpanKind.INTERNAL) tags.push(`span.kind=string:${SpanKind[s.kind].toLowerCase()}`);
  if (s.status.code === SpanStatusCode.ERROR) tags.push('error=bool:true');
  if (s.status.code !== SpanStatusCode.UNSET) tags.push(`otel.status_code=string:${SpanStatusCode[s.status.code]}`);
  if (s.status.code !== SpanStatusCode.UNSET && s.status.message) tags.push(`otel.status_description=string:${s.status.message}`);
  tags.push(`otel.scope.name=string:${s.instrumentationScope.name}`);
  if (s.instrumentationScope.version) tags.push(`otel.scope.version=string:${s.instrumentationScope.version}`);
  return {
    operationName: s.name, parent: s.parentSpanContext?.spanId ?? '',
    follows: s.links.map((l) => `${l.context.traceId}/${l.context.spanId}`),
    startTime: us(s.startTime), duration: us(s.duration), tags: tags.sort(),
    logs: s.events.map((e) => ({ timestamp: eventUs(e.time), fields: [`event=string:${e.name}`, ...Object.entries(e.attributes ?? {}).map(([k, v]) => clientTag(k, v))].sort() })),
    service: String(s.resource.attributes['service.name']), processTags: [],
  };
}

async function otelTrace(exporter: JaegerExporter, service: string): Promise<{ traceId: string; sent: ReadableSpan[] }> {
  const { provider, memory } = tracerProvider(exporter, service);
  const tracer = provider.getTracer('shop-web', '3.1.4');
  const other = tracer.startSpan('background');
  other.end();
  const root = tracer.startSpan('GET /cart', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'user.premium': true, 'cart.size': 3, 'cart.total': 42.5 } });
  root.addEvent('cache.miss', { key: 'cart:1', attempt: 2 });
  const ctx = trace.setSpan(context.active(), root);
  const call = tracer.startSpan('SELECT cart', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql' }, links: [{ context: other.spanContext() }] }, ctx);
  call.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock' });
  call.end();
  const work = tracer.startSpan('render', {}, ctx);
  work.end();
  root.end();
  await provider.forceFlush();
  const traceId = root.spanContext().traceId;
  const sent = memory.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  await provider.shutdown();
  return { traceId, sent };
}

async function agentMetric(protocol: string, outcome: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`tailstream_jaeger_agent_datagrams_total{`) && l.includes(`outcome="${outcome}"`) && l.includes(`protocol="${protocol}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('Jaeger ingest → embedded pipeline → Jaeger API', () => {
  it.each(['http', 'udp'] as const)('@opentelemetry/exporter-jaeger (%s): every span comes back whole', async (mode) => {
    const before = await agentMetric('binary', 'accepted');
    const exporter = mode === 'http'
      ? new JaegerExporter({ endpoint: `http://127.0.0.1:${pipeline.ports.jaegerHttp}/api/traces` })
      : new JaegerExporter({ host: '127.0.0.1', port: pipeline.ports.jaegerBinary });
    const { traceId, sent } = await otelTrace(exporter, `otel-jaeger-${mode}`);
    expect(sent).toHaveLength(3);
    const t = await readTrace(traceId, 3);
    for (const s of sent) expect(shown(t, s.spanContext().spanId), s.name).toEqual(expectedFromOtel(s));
    if (mode === 'udp') expect(await agentMetric('binary', 'accepted')).toBeGreaterThan(before);
  });

  it.each(['udp', 'http'] as const)('jaeger-client (%s sender): every span comes back whole', async (mode) => {
    const reporter = mode === 'udp'
      ? { agentHost: '127.0.0.1', agentPort: pipeline.ports.jaegerBinary, flushIntervalMs: 20 }
      : { collectorEndpoint: `http://127.0.0.1:${pipeline.ports.jaegerHttp}/api/traces`, flushIntervalMs: 20 };
    const errors: string[] = [];
    const tracer = initTracer(
      { serviceName: `jaeger-client-${mode}`, sampler: { type: 'const', param: 1 }, reporter },
      { tags: { 'deployment.zone': 'eu-1' }, logger: { info: () => undefined, error: (m: string) => errors.push(m) } },
    );
    const t0 = Date.UTC(2026, 10, 30, 12, 0, 0);
    const root = tracer.startSpan('checkout', { startTime: t0, tags: { [opentracing.Tags.SPAN_KIND]: 'server', 'order.items': 4, 'order.express': true, 'order.id': 'A-17' } });
    root.log({ event: 'payment.authorized', amount: 12.5 }, t0 + 3);
    const child = tracer.startSpan('charge card', { childOf: root, startTime: t0 + 1, tags: { [opentracing.Tags.SPAN_KIND]: 'client', [opentracing.Tags.ERROR]: true } });
    child.finish(t0 + 5);
    const async = tracer.startSpan('send receipt', { references: [opentracing.followsFrom(root.context())], startTime: t0 + 6 });
    async.finish(t0 + 9);
    root.finish(t0 + 7);
    // close() can drop the last UDP send (it closes the socket right after queueing it): flush first.
    await new Promise<void>((res) => (tracer as unknown as { _reporter: { flush(cb: () => void): void } })._reporter.flush(res));
    await new Promise<void>((res) => tracer.close(res));
    expect(errors).toEqual([]);
    const ctx = (s: opentracing.Span) => s.context() as opentracing.SpanContext;
    // jaeger-client prints ids without leading zeros.
    const id = (s: opentracing.Span) => ctx(s).toSpanId().padStart(16, '0');
    const traceId = ctx(root).toTraceId().padStart(32, '0'); // jaeger-client's ids are 64-bit
    const t = await readTrace(traceId, 3);
    const common = { service: `jaeger-client-${mode}`, processTags: ['client-uuid', 'deployment.zone', 'hostname', 'ip', 'jaeger.version'], follows: [] as string[] };
    expect(shown(t, id(root))).toEqual({
      ...common, operationName: 'checkout', parent: '', startTime: t0 * 1000, duration: 7000,
      tags: ['order.express=bool:true', 'order.id=string:A-17', 'order.items=float64:4', 'sampler.param=bool:true', 'sampler.type=string:const', 'span.kind=string:server'],
      logs: [{ timestamp: (t0 + 3) * 1000, fields: ['amount=float64:12.5', 'event=string:payment.authorized'] }],
    });
    expect(shown(t, id(child))).toEqual({
      ...common, operationName: 'charge card', parent: id(root), startTime: (t0 + 1) * 1000, duration: 4000,
      tags: ['error=bool:true', 'otel.status_code=string:ERROR', 'span.kind=string:client'], logs: [],
    });
    // jaeger-client also sets parentSpanId for a FOLLOWS_FROM span: that is its parent, the reference a link (the translator's rule).
    expect(shown(t, id(async))).toEqual({
      ...common, operationName: 'send receipt', parent: id(root), follows: [`${traceId}/${id(root)}`], startTime: (t0 + 6) * 1000, duration: 3000, tags: [], logs: [],
    });
  });

  it('agent compact port (6831): a datagram written by Apache Thrift\'s TCompactProtocol comes back whole', async () => {
    const before = await agentMetric('compact', 'accepted');
    const socket = createSocket('udp4');
    await new Promise<void>((res, rej) => socket.send(GOLDEN_EMIT_BATCH.compact, pipeline.ports.jaegerCompact, '127.0.0.1', (e) => (e ? rej(e) : res())));
    socket.close();
    // The golden spans are from 2023: TTL_DAYS=0 keeps them.
    const t = await readTrace('fedcba98765432111122334455667788', 2);
    expect(shown(t, 'fffffffffffffffb')).toMatchObject({ operationName: 'SELECT orders', parent: '0a0b0c0d0e0f1011', service: 'py-svc', follows: ['00000000000000770000000000000099/0000000000000055'] });
    expect(shown(t, '0a0b0c0d0e0f1011').tags).toContain('blob=binary:AP8=');
    expect(await agentMetric('compact', 'accepted')).toBe(before + 1);
  });

  it('malformed input: HTTP answers 400 naming the field; a bad or oversized datagram is counted, the port keeps working', async () => {
    const r = await fetch(`http://127.0.0.1:${pipeline.ports.jaegerHttp}/api/traces`, { method: 'POST', body: Buffer.from([0x0f, 0x00, 0x02, 0x0c, 0x7f, 0xff, 0xff, 0xff]), headers: { 'content-type': 'application/x-thrift' } });
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/^jaeger\.thrift Batch: Batch\.spans: list size 2147483647 exceeds the 0 byte\(s\) left/);
    const wrongType = await fetch(`http://127.0.0.1:${pipeline.ports.jaegerHttp}/api/traces`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(wrongType.status).toBe(415);

    const rejected = await agentMetric('compact', 'rejected');
    const tooLarge = await agentMetric('compact', 'too_large');
    const socket = createSocket('udp4');
    const send = (b: Buffer) => new Promise<void>((res, rej) => socket.send(b, pipeline.ports.jaegerCompact, '127.0.0.1', (e) => (e ? rej(e) : res())));
    await send(GOLDEN_EMIT_BATCH.compact.subarray(0, 40));
    await send(Buffer.alloc(65_001, 0x82));
    socket.close();
    await until('both datagrams counted', async () => ((await agentMetric('compact', 'rejected')) === rejected + 1 && (await agentMetric('compact', 'too_large')) === tooLarge + 1 ? true : undefined));
  });
});
