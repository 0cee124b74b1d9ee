import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { randomSpans } from '../../fixtures/otel-random.ts';
import { createOtlpHttpApp } from '../../../src/ingest/http-otlp.ts';
import { createZipkinApp } from '../../../src/ingest/http-zipkin.ts';
import { ExportTraceServiceResponse, RpcStatus } from '../../../src/ingest/otlp-descriptor.ts';
import { encodeOtlpJson } from '../../../src/model/otlp-json.ts';
import { encodeOtlpProto } from '../../../src/ingest/otlp-proto.ts';
import { PublishError } from '../../../src/ingest/errors.ts';
import { KafkaSpanPublisher } from '../../../src/ingest/kafka-publisher.ts';
import type { SpanPublisher, TraceBatch } from '../../../src/ingest/publisher.ts';
import { listen, type Listening } from '../../../src/ingest/server.ts';
import { spanBatchSerde } from '../../../src/serde/avro-serde.ts';
import { InProcessRegistry } from '../../../src/serde/registry.ts';
import type { Span } from '../../../src/model/span.ts';

class MemoryPublisher implements SpanPublisher {
  readonly batches: TraceBatch[] = [];
  failWith: PublishError | undefined;
  publish(batches: readonly TraceBatch[]): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.batches.push(...batches);
    return Promise.resolve();
  }
  spans = (): Span[] => this.batches.flatMap((b) => [...b.spans]);
}

const open: Listening[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
});

async function serve(kind: 'otlp' | 'zipkin', publisher: SpanPublisher, maxBodyBytes?: number): Promise<string> {
  const opts = maxBodyBytes === undefined ? { publisher } : { publisher, maxBodyBytes };
  const l = await listen(kind === 'otlp' ? createOtlpHttpApp(opts) : createZipkinApp(opts), 0, '127.0.0.1');
  open.push(l);
  return `http://127.0.0.1:${l.port}`;
}

const post = (url: string, body: Uint8Array | string, headers: Record<string, string>) => fetch(url, { method: 'POST', body, headers });

describe('OTLP/HTTP receiver', () => {
  it('publishes 99 good spans of 100 and reports the bad one as partialSuccess (protobuf)', async () => {
    const pub = new MemoryPublisher();
    const base = await serve('otlp', pub);
    const spans = randomSpans(5, 100, { simple: true });
    spans[12] = { ...(spans[12] as Span), traceId: 'ab'.repeat(4) };
    const res = await post(`${base}/v1/traces`, encodeOtlpProto(spans), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
    const body = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(new Uint8Array(await res.arrayBuffer())), { longs: Number }) as { partialSuccess: { rejectedSpans: number; errorMessage: string } };
    expect(body.partialSuccess.rejectedSpans).toBe(1);
    expect(body.partialSuccess.errorMessage).toContain('span[12].traceId: 16 bytes expected, got 4');
    expect(pub.spans()).toHaveLength(99);
    for (const b of pub.batches) expect(b.spans.every((s) => s.traceId === b.traceId)).toBe(true);
  });

  it('accepts gzip JSON and answers JSON; no partialSuccess when all spans are valid', async () => {
    const pub = new MemoryPublisher();
    const base = await serve('otlp', pub);
    const spans = randomSpans(6, 10);
    const res = await post(`${base}/v1/traces`, gzipSync(encodeOtlpJson(spans)), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(pub.spans()).toHaveLength(10);
  });

  it('answers 400 with a google.rpc.Status for a truncated protobuf', async () => {
    const base = await serve('otlp', new MemoryPublisher());
    const bytes = encodeOtlpProto(randomSpans(1, 3));
    const res = await post(`${base}/v1/traces`, bytes.subarray(0, bytes.length - 5), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(400);
    const status = RpcStatus.decode(new Uint8Array(await res.arrayBuffer())) as unknown as { code: number; message: string };
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/^otlp_proto: /);
  });

  it('answers 400 JSON for a wrong envelope type', async () => {
    const base = await serve('otlp', new MemoryPublisher());
    const res = await post(`${base}/v1/traces`, '{"resourceSpans": 5}', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 3, message: 'otlp_json: resourceSpans: array expected, got number' });
  });

  it('answers 413 over the body limit, also after gunzip', async () => {
    const base = await serve('otlp', new MemoryPublisher(), 1000);
    const big = encodeOtlpJson(randomSpans(2, 40));
    expect((await post(`${base}/v1/traces`, big, { 'content-type': 'application/json' })).status).toBe(413);
    expect((await post(`${base}/v1/traces`, gzipSync(big), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status).toBe(413);
  });

  it('answers 415 for an unsupported content-type', async () => {
    const base = await serve('otlp', new MemoryPublisher());
    expect((await post(`${base}/v1/traces`, 'x', { 'content-type': 'text/plain' })).status).toBe(415);
  });

  it.each([
    ['BACKPRESSURE', 429],
    ['UNAVAILABLE', 503],
  ] as const)('maps a %s publisher error to %i with Retry-After', async (code, status) => {
    const pub = new MemoryPublisher();
    pub.failWith = new PublishError(code, 'kafka says no', 7);
    const base = await serve('otlp', pub);
    const res = await post(`${base}/v1/traces`, encodeOtlpJson(randomSpans(1, 1)), { 'content-type': 'application/json' });
    expect(res.status).toBe(status);
    expect(res.headers.get('retry-after')).toBe('7');
  });

  it('answers 503 when the Kafka publisher cannot reach a broker', async () => {
    const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 200 });
    const publisher = new KafkaSpanPublisher(kafka, await spanBatchSerde(InProcessRegistry.fromDir()), { sendTimeoutMs: 2000, retryAfterSeconds: 3 });
    const base = await serve('otlp', publisher);
    const res = await post(`${base}/v1/traces`, encodeOtlpJson(randomSpans(1, 1)), { 'content-type': 'application/json' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('3');
  });
});

describe('Zipkin receiver', () => {
  it('accepts gzip JSON with 202, rejecting bad spans in the body', async () => {
    const pub = new MemoryPublisher();
    const base = await serve('zipkin', pub);
    const good = { traceId: 'ab'.repeat(8), id: '12'.repeat(8), name: 'x', timestamp: 1, duration: 2, localEndpoint: { serviceName: 's' } };
    const res = await post(`${base}/api/v2/spans`, gzipSync(JSON.stringify([good, { ...good, id: 'nothex!!nothex!!' }])), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ rejectedSpans: 1 });
    expect(pub.spans().map((s) => s.traceId)).toEqual(['0'.repeat(16) + 'ab'.repeat(8)]);
  });

  it('answers 400 for a body that is not a span list and 415 for protobuf', async () => {
    const base = await serve('zipkin', new MemoryPublisher());
    expect((await post(`${base}/api/v2/spans`, '{"a":1}', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await post(`${base}/api/v2/spans`, 'x', { 'content-type': 'application/x-protobuf' })).status).toBe(415);
  });
});
