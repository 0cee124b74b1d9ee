import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { Kafka } from 'kafkajs';
import { testKafka, testTopicAdmin, uniqueName } from '../fixtures/kafka.ts';
import { attrs, expectedOtlpSpan, tracerProvider, zipkinNs } from '../fixtures/otel.ts';
import { decodeRawSpans, SPAN_BATCH_CONTENT_TYPE } from '../../src/ingest/decode.ts';
import { createOtlpHttpApp } from '../../src/ingest/http-otlp.ts';
import { createZipkinApp } from '../../src/ingest/http-zipkin.ts';
import { KafkaSpanPublisher } from '../../src/ingest/kafka-publisher.ts';
import { listen, type Listening } from '../../src/ingest/server.ts';
import { spanBatchSerde } from '../../src/serde/avro-serde.ts';
import { InProcessRegistry } from '../../src/serde/registry.ts';
import type { Span } from '../../src/model/span.ts';

/** Reads `count` spans back from the topic, checking key = trace id and the content-type header. */
async function readSpans(kafka: Kafka, topic: string, count: number): Promise<Span[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('ingest-read') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const spans: Span[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${spans.length}/${count} spans read`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const r = decodeRawSpans({ key: message.key, value: message.value, timestamp: Number(message.timestamp), headers: { 'content-type': message.headers?.['content-type'] as Buffer } });
          if (!r.ok) return reject(new Error(r.error));
          expect(r.format).toBe('avro');
          expect(message.headers?.['content-type']?.toString()).toBe(SPAN_BATCH_CONTENT_TYPE);
          for (const s of r.spans) expect(s.traceId).toBe(message.key?.toString());
          spans.push(...r.spans);
          if (spans.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return spans;
}

/** A small trace with every kind of data the SDK can carry. */
function emitTrace(tracer: Tracer): void {
  const linked = tracer.startSpan('linked');
  linked.end();
  tracer.startActiveSpan('GET /checkout', { kind: SpanKind.SERVER, links: [{ context: linked.spanContext(), attributes: { 'link.why': 'batch' } }] }, (root) => {
    root.setAttributes({ 'http.status_code': 200, 'ratio': 0.25, 'cart.items': ['a', 'b'], 'ints': [1, 2, 3], 'flag': true, 'big': 9007199254740991 });
    root.addEvent('cache.miss', { 'cache.key': 'user:1', 'attempt': 2 });
    const child = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'db.rows': 12, 'db.fraction': 1.5 } });
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock detected' });
    child.end();
    root.setStatus({ code: SpanStatusCode.OK });
    root.end();
  });
}

describe('ingest end to end: real OTel SDK exporters → receiver → Kafka → decode', () => {
  const kafka = testKafka();
  let otlp: Listening;
  let zipkin: Listening;
  const publishers: KafkaSpanPublisher[] = [];
  const topics = { proto: uniqueName('raw-spans-proto'), json: uniqueName('raw-spans-json'), zipkin: uniqueName('raw-spans-zipkin') };
  const apps: Record<string, Listening> = {};

  beforeAll(async () => {
    await testTopicAdmin(kafka).ensureTopics(Object.values(topics).map((topic) => ({ topic, partitions: 2 })));
    const serde = await spanBatchSerde(InProcessRegistry.fromDir());
    for (const [name, topic] of Object.entries(topics)) {
      const publisher = new KafkaSpanPublisher(kafka, serde, { topic });
      publishers.push(publisher);
      apps[name] = await listen(name === 'zipkin' ? createZipkinApp({ publisher }) : createOtlpHttpApp({ publisher }), 0, '127.0.0.1');
    }
    otlp = apps['proto'] as Listening;
    zipkin = apps['zipkin'] as Listening;
  });

  afterAll(async () => {
    await Promise.all(Object.values(apps).map((a) => a.close()));
    await Promise.all(publishers.map((p) => p.close()));
  });

  it.each([
    ['OTLP protobuf', 'proto', (port: number): SpanExporter => new OtlpProtoExporter({ url: `http://127.0.0.1:${port}/v1/traces` })],
    ['OTLP JSON', 'json', (port: number): SpanExporter => new OtlpJsonExporter({ url: `http://127.0.0.1:${port}/v1/traces` })],
  ])('%s: spans arrive field by field as the SDK recorded them', async (_name, key, makeExporter) => {
    const app = apps[key] as Listening;
    const { provider, memory } = tracerProvider(makeExporter(app.port), `svc-${key}`);
    emitTrace(provider.getTracer('checkout-lib', '1.4.2'));
    await provider.forceFlush();
    const sent = memory.getFinishedSpans();
    expect(sent).toHaveLength(3);
    const got = await readSpans(kafka, topics[key as 'proto' | 'json'], sent.length);
    await provider.shutdown();
    const byId = new Map(got.map((s) => [s.spanId, s]));
    for (const s of sent) {
      const decoded = byId.get(s.spanContext().spanId) as Span;
      const { flags, links, ...rest } = decoded;
      const expected = expectedOtlpSpan(s);
      expect({ ...rest, links: links.map(({ flags: _f, ...l }) => l) }).toEqual(expected);
      expect(flags & 0xff).toBe(s.spanContext().traceFlags);
    }
    const root = byId.get(sent.find((s) => s.name === 'GET /checkout')?.spanContext().spanId ?? '') as Span;
    expect(root.attributes.find((a) => a.key === 'ratio')?.value).toEqual({ type: 'double', value: 0.25 });
    expect(root.attributes.find((a) => a.key === 'http.status_code')?.value).toEqual({ type: 'int', value: 200n });
    expect(root.scope).toMatchObject({ name: 'checkout-lib', version: '1.4.2' });
  });

  it('Zipkin exporter: spans arrive per the OTel Zipkin mapping', async () => {
    const exporter = new ZipkinExporter({ url: `http://127.0.0.1:${zipkin.port}/api/v2/spans`, serviceName: 'svc-zipkin' });
    const { provider, memory } = tracerProvider(exporter, 'svc-zipkin');
    emitTrace(provider.getTracer('checkout-lib', '1.4.2'));
    await provider.forceFlush();
    const sent = memory.getFinishedSpans();
    const got = await readSpans(kafka, topics.zipkin, sent.length);
    await provider.shutdown();
    const byId = new Map(got.map((s) => [s.spanId, s]));
    for (const s of sent) {
      const d = byId.get(s.spanContext().spanId) as Span;
      const start = zipkinNs(s.startTime);
      expect(d).toMatchObject({
        traceId: s.spanContext().traceId,
        parentSpanId: s.parentSpanContext?.spanId ?? '',
        name: s.name,
        kind: s.kind + 1,
        startTimeUnixNano: start,
        status: { code: s.status.code, message: s.status.code === SpanStatusCode.ERROR ? (s.status.message ?? '') : '' },
        resource: { attributes: [{ key: 'service.name', value: { type: 'string', value: 'svc-zipkin' } }] },
      });
      expect(d.endTimeUnixNano - start).toBe(BigInt(Math.round((s.duration[0] * 1e9 + s.duration[1]) / 1e3)) * 1000n);
      // Zipkin tags are strings: span attributes, then the resource's, stringified by the exporter.
      const tags = new Map([...attrs(s.attributes), ...attrs(s.resource.attributes)].map((kv) => [kv.key, kv]));
      expect(new Set(d.attributes.map((a) => a.key))).toEqual(new Set(tags.keys()));
      for (const a of d.attributes) expect(a.value.type).toBe('string');
      expect(d.attributes.find((a) => a.key === 'db.rows')?.value).toEqual(s.attributes['db.rows'] === undefined ? undefined : { type: 'string', value: '12' });
      expect(d.events.map((e) => [e.name, e.timeUnixNano])).toEqual(s.events.map((e) => [e.name, zipkinNs(e.time)]));
    }
  });

  it('the OTLP receiver is reachable on its port', () => {
    expect(otlp.port).toBeGreaterThan(0);
  });
});
