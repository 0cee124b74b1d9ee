import { deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { randomSpans } from '../../fixtures/otel-random.ts';
import { createOtlpHttpApp } from '../../../src/ingest/http-otlp.ts';
import { createZipkinApp } from '../../../src/ingest/http-zipkin.ts';
import type { IngestHttpOptions } from '../../../src/ingest/http-common.ts';
import { ExportTraceServiceResponse, RpcStatus } from '../../../src/ingest/otlp-descriptor.ts';
import { encodeOtlpJson } from '../../../src/model/otlp-json.ts';
import { encodeOtlpProto } from '../../../src/ingest/otlp-proto.ts';
import type { SpanPublisher, TraceBatch } from '../../../src/ingest/publisher.ts';
import { listen, type Listening } from '../../../src/ingest/server.ts';
import { StatusCode, type Span } from '../../../src/model/span.ts';

class MemoryPublisher implements SpanPublisher {
  readonly batches: TraceBatch[] = [];
  publish(batches: readonly TraceBatch[]): Promise<void> {
    this.batches.push(...batches);
    return Promise.resolve();
  }
  spans = (): Span[] => this.batches.flatMap((b) => [...b.spans]);
}

const open: Listening[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
});

async function serve(kind: 'otlp' | 'zipkin', opts: Omit<IngestHttpOptions, 'publisher'> & { publisher?: SpanPublisher } = {}): Promise<string> {
  const o: IngestHttpOptions = { publisher: new MemoryPublisher(), ...opts };
  const l = await listen(kind === 'otlp' ? createOtlpHttpApp(o) : createZipkinApp(o), 0, '127.0.0.1');
  open.push(l);
  return `http://127.0.0.1:${l.port}`;
}

const PROTO = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

/** Status, content type and raw bytes of a POST. */
async function post(url: string, body: Uint8Array | string, headers: Record<string, string>): Promise<{ status: number; type: string; bytes: Uint8Array; text: string }> {
  const res = await fetch(url, { method: 'POST', body, headers });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get('content-type') ?? '', bytes, text: Buffer.from(bytes).toString('utf8') };
}

/** No HTML page, no stack frame: what must hold for every error response. */
function expectNoPageNoStack(text: string): void {
  expect(text).not.toMatch(/<html|<!DOCTYPE|<pre>/i);
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toMatch(/node_modules|\.js:\d+/);
}

function rpcStatus(bytes: Uint8Array): { code: number; message: string } {
  return RpcStatus.toObject(RpcStatus.decode(bytes), { defaults: true }) as { code: number; message: string };
}

const nowMs = Date.UTC(2026, 10, 30, 12);
const DAY_NS = 86_400_000_000_000n;
const nowNs = BigInt(nowMs) * 1_000_000n;

/** `n` valid spans that start `agoNs` before `now`, each 1 ms long. */
function spansAt(seed: number, n: number, agoNs: bigint): Span[] {
  return randomSpans(seed, n, { simple: true }).map((s) => ({ ...s, status: { code: StatusCode.UNSET, message: '' }, startTimeUnixNano: nowNs - agoNs, endTimeUnixNano: nowNs - agoNs + 1_000_000n }));
}

describe('OTLP/HTTP body failures are google.rpc.Status, never an HTML page', () => {
  const good = (): Buffer => Buffer.from(encodeOtlpProto(randomSpans(3, 5, { simple: true })));
  const goodJson = (): Buffer => Buffer.from(encodeOtlpJson(randomSpans(3, 5, { simple: true })));

  it.each([
    ['truncated gzip', 'gzip', (b: Buffer) => gzipSync(b).subarray(0, 20)],
    ['corrupt gzip', 'gzip', (b: Buffer) => Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(40, 0xab)])],
    ['not gzip at all', 'gzip', (b: Buffer) => b],
    ['corrupt deflate', 'deflate', (b: Buffer) => deflateSync(b).subarray(0, 10)],
  ] as const)('%s → 400 with a protobuf Status for a protobuf request', async (_name, encoding, mangle) => {
    const base = await serve('otlp');
    const r = await post(`${base}/v1/traces`, mangle(good()), { 'content-type': PROTO, 'content-encoding': encoding });
    expect(r.status).toBe(400);
    expect(r.type).toContain(PROTO);
    const s = rpcStatus(r.bytes);
    expect(s.code).toBe(3);
    expect(s.message).toMatch(/request body/);
    expectNoPageNoStack(r.text);
  });

  it('truncated gzip → 400 with a JSON Status for a JSON request', async () => {
    const base = await serve('otlp');
    const r = await post(`${base}/v1/traces`, gzipSync(goodJson()).subarray(0, 30), { 'content-type': JSON_TYPE, 'content-encoding': 'gzip' });
    expect(r.status).toBe(400);
    expect(r.type).toContain(JSON_TYPE);
    expect(JSON.parse(r.text)).toMatchObject({ code: 3, message: expect.stringMatching(/request body/) });
    expectNoPageNoStack(r.text);
  });

  it('an unknown content-encoding → 415 Status, an oversized body → 413 Status', async () => {
    const base = await serve('otlp', { maxBodyBytes: 100 });
    const enc = await post(`${base}/v1/traces`, good(), { 'content-type': PROTO, 'content-encoding': 'lz4' });
    expect(enc.status).toBe(415);
    expect(rpcStatus(enc.bytes).message).toContain('lz4');
    const big = await post(`${base}/v1/traces`, gzipSync(goodJson()), { 'content-type': JSON_TYPE, 'content-encoding': 'gzip' });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.text)).toMatchObject({ code: 3, message: expect.stringMatching(/exceeds 100 bytes/) });
  });

  it('unknown paths and methods answer a Status, not Express\'s page', async () => {
    const base = await serve('otlp');
    const r = await post(`${base}/v1/metrics`, good(), { 'content-type': PROTO });
    expect(r.status).toBe(404);
    expect(rpcStatus(r.bytes).message).toContain('/v1/metrics');
    const g = await fetch(`${base}/v1/traces`);
    expect(g.status).toBe(405);
    const text = await g.text();
    expect(JSON.parse(text)).toMatchObject({ code: 12 });
    expectNoPageNoStack(text);
  });
});

describe('a failure nobody expected is a 500 without its stack', () => {
  const broken: SpanPublisher = { publish: () => Promise.reject(new Error('disk on fire at /srv/secret/path')) };

  it.each(['otlp', 'zipkin'] as const)('%s: a publisher bug → 500 "internal error"', async (kind) => {
    const base = await serve(kind, { publisher: broken });
    const [path, body] = kind === 'otlp' ? ['/v1/traces', encodeOtlpJson(randomSpans(1, 1, { simple: true }))] : ['/api/v2/spans', JSON.stringify([{ traceId: 'ab'.repeat(8), id: '12'.repeat(8), name: 'x', timestamp: 1, duration: 2 }])];
    const r = await post(base + path, body, { 'content-type': JSON_TYPE });
    expect(r.status).toBe(500);
    expect(r.text).toContain('internal error');
    expect(r.text).not.toContain('/srv/secret');
    expectNoPageNoStack(r.text);
  });
});

describe('Zipkin body failures are plain messages', () => {
  it('corrupt gzip → 400 text naming the body, no page, no stack', async () => {
    const base = await serve('zipkin');
    const r = await post(`${base}/api/v2/spans`, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]), { 'content-type': JSON_TYPE, 'content-encoding': 'gzip' });
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/request body/);
    expectNoPageNoStack(r.text);
  });

  it('an unknown path → 404 message, no page', async () => {
    const base = await serve('zipkin');
    const r = await post(`${base}/api/v1/spans`, '[]', { 'content-type': JSON_TYPE });
    expect(r.status).toBe(404);
    expectNoPageNoStack(r.text);
  });
});

describe('a request of which nothing was accepted is a 400, not a partial success', () => {
  it('OTLP JSON whose every span has a numeric spanId → 400 Status naming the first reasons', async () => {
    const pub = new MemoryPublisher();
    const base = await serve('otlp', { publisher: pub });
    const doc = JSON.parse(encodeOtlpJson(randomSpans(4, 3, { simple: true }))) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) s['spanId'] = 1;
    const r = await post(`${base}/v1/traces`, JSON.stringify(doc), { 'content-type': JSON_TYPE });
    expect(r.status).toBe(400);
    const s = JSON.parse(r.text) as { code: number; message: string };
    expect(s.code).toBe(3);
    expect(s.message).toMatch(/^3 span\(s\) rejected, none accepted: span\[0\]\.spanId/);
    expect(pub.spans()).toHaveLength(0);
  });

  it('OTLP protobuf whose every trace id is short → 400 protobuf Status', async () => {
    const base = await serve('otlp');
    const spans = randomSpans(5, 2, { simple: true }).map((s) => ({ ...s, traceId: 'ab'.repeat(4) }));
    const r = await post(`${base}/v1/traces`, encodeOtlpProto(spans), { 'content-type': PROTO });
    expect(r.status).toBe(400);
    expect(rpcStatus(r.bytes).message).toContain('span[0].traceId: 16 bytes expected, got 4');
  });

  it('an empty request is still a plain success', async () => {
    const base = await serve('otlp');
    const r = await post(`${base}/v1/traces`, '{}', { 'content-type': JSON_TYPE });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({});
  });

  it('Zipkin with no valid span → 400 with the reasons', async () => {
    const pub = new MemoryPublisher();
    const base = await serve('zipkin', { publisher: pub });
    const bad = { traceId: 'zz'.repeat(8), id: '12'.repeat(8), name: 'x', timestamp: 1, duration: 2, localEndpoint: { serviceName: 's' } };
    const r = await post(`${base}/api/v2/spans`, JSON.stringify([bad, bad]), { 'content-type': JSON_TYPE });
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/^2 span\(s\) rejected, none accepted: span\[0\]\.traceId/);
    expect(pub.spans()).toHaveLength(0);
  });
});

describe('spans the retention would delete are rejected, not acknowledged', () => {
  const retention = { spansDays: 7, errorDays: 30 };

  it('OTLP: spans older than the retention are partial-success rejections with the reason', async () => {
    const pub = new MemoryPublisher();
    const base = await serve('otlp', { publisher: pub, retention, nowMs: () => nowMs });
    const spans = [...spansAt(6, 3, DAY_NS), ...spansAt(7, 2, 8n * DAY_NS)];
    const r = await post(`${base}/v1/traces`, encodeOtlpProto(spans), { 'content-type': PROTO });
    expect(r.status).toBe(200);
    const body = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(r.bytes), { longs: Number }) as { partialSuccess: { rejectedSpans: number; errorMessage: string } };
    expect(body.partialSuccess.rejectedSpans).toBe(2);
    expect(body.partialSuccess.errorMessage).toContain('span[3].startTimeUnixNano: 2026-11-22T12:00:00.000Z is older than the 7-day retention');
    expect(pub.spans().map((s) => s.spanId)).toEqual(spans.slice(0, 3).map((s) => s.spanId));
  });

  it('a trace with an error span keeps the longer error retention', async () => {
    const pub = new MemoryPublisher();
    const base = await serve('otlp', { publisher: pub, retention, nowMs: () => nowMs });
    const [a, b] = spansAt(8, 2, 10n * DAY_NS).map((s) => ({ ...s, traceId: 'cd'.repeat(16) }));
    const withError = [a as Span, { ...(b as Span), status: { code: StatusCode.ERROR, message: 'boom' } }];
    const r = await post(`${base}/v1/traces`, encodeOtlpJson(withError), { 'content-type': JSON_TYPE });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({});
    expect(pub.spans()).toHaveLength(2);
  });

  it('spans so far in the future that the TTL date wraps are rejected too', async () => {
    const base = await serve('otlp', { retention, nowMs: () => nowMs });
    // 2106-02-05: ClickHouse's DateTime ends 2106-02-07, so start + 7 days wraps to 1970 and expires at once.
    const at = BigInt(Date.UTC(2106, 1, 5)) * 1_000_000n;
    const spans = randomSpans(9, 1, { simple: true }).map((s) => ({ ...s, status: { code: StatusCode.UNSET, message: '' }, startTimeUnixNano: at, endTimeUnixNano: at + 1000n }));
    const r = await post(`${base}/v1/traces`, encodeOtlpJson(spans), { 'content-type': JSON_TYPE });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).message).toContain('span[0].startTimeUnixNano: 2106-02-05T00:00:00.000Z plus the 7-day retention is past 2106-02-07T06:28:15Z');
  });

  it('Zipkin: an old span is reported beside the accepted ones', async () => {
    const pub = new MemoryPublisher();
    const base = await serve('zipkin', { publisher: pub, retention, nowMs: () => nowMs });
    const us = (ns: bigint): number => Number(ns / 1000n);
    const span = (id: string, ago: bigint) => ({ traceId: 'ab'.repeat(16), id, name: 'x', timestamp: us(nowNs - ago), duration: 2, localEndpoint: { serviceName: 's' } });
    const r = await post(`${base}/api/v2/spans`, JSON.stringify([span('12'.repeat(8), DAY_NS), span('34'.repeat(8), 9n * DAY_NS)]), { 'content-type': JSON_TYPE });
    expect(r.status).toBe(202);
    expect(JSON.parse(r.text)).toMatchObject({ rejectedSpans: 1, errorMessage: expect.stringContaining('span[1].startTimeUnixNano: 2026-11-21T12:00:00.000Z is older than the 7-day retention') });
    expect(pub.spans().map((s) => s.spanId)).toEqual(['12'.repeat(8)]);
  });

  it('no retention configured (TTL 0) keeps everything', async () => {
    const pub = new MemoryPublisher();
    const base = await serve('otlp', { publisher: pub, retention: { spansDays: 0, errorDays: 0 }, nowMs: () => nowMs });
    const r = await post(`${base}/v1/traces`, encodeOtlpJson(spansAt(10, 2, 400n * DAY_NS)), { 'content-type': JSON_TYPE });
    expect(r.status).toBe(200);
    expect(pub.spans()).toHaveLength(2);
  });
});
