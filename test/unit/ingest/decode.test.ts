import { describe, expect, it } from 'vitest';
import { randomSpans } from '../../fixtures/otel-random.ts';
import { decodeRawSpans, detectFormat, groupByTrace, RawSpansDecoder, SPAN_BATCH_CONTENT_TYPE } from '../../../src/ingest/decode.ts';
import { encodeOtlpProto } from '../../../src/ingest/otlp-proto.ts';
import { ExportTraceServiceRequest } from '../../../src/ingest/otlp-descriptor.ts';
import { encodeOtlpJson } from '../../../src/model/otlp-json.ts';
import { toDeadLetter } from '../../../src/streams/dead-letter.ts';
import { spanBatchSerde } from '../../../src/serde/avro-serde.ts';
import { InProcessRegistry } from '../../../src/serde/registry.ts';
import type { Span } from '../../../src/model/span.ts';
import type { RawRecord } from '../../../src/streams/record.ts';

const record = (value: Buffer, headers: Record<string, string> = {}): RawRecord => ({
  key: null,
  value,
  timestamp: 0,
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
});

function ok(r: ReturnType<typeof decodeRawSpans>) {
  if (!r.ok) throw new Error(`decode failed: ${r.error}`);
  return r;
}

describe('decodeRawSpans', () => {
  it('round-trips random spans OTLP proto → model → Avro → model (200 seeds)', async () => {
    const avro = await spanBatchSerde(InProcessRegistry.fromDir());
    for (let seed = 1; seed <= 200; seed++) {
      const spans = randomSpans(seed, 1 + (seed % 5));
      const fromProto = ok(decodeRawSpans(record(Buffer.from(encodeOtlpProto(spans)))));
      expect(fromProto.format).toBe('otlp_proto');
      expect(fromProto.spans, `seed ${seed}`).toEqual(spans);
      const fromAvro = ok(decodeRawSpans(record(avro.serialize(fromProto.spans))));
      expect(fromAvro.format).toBe('avro');
      expect(fromAvro.spans, `seed ${seed}`).toEqual(spans);
    }
  });

  it('OTLP proto: consecutive spans sharing a resource (scope) object share one ResourceSpans (ScopeSpans), and decode unchanged', () => {
    const [a, b, c, d] = randomSpans(7, 4) as [Span, Span, Span, Span];
    // Pod 1: scope X, X, Y; then pod 2 (a resource of its own), then pod 1 again.
    const spans: Span[] = [a, { ...b, resource: a.resource, scope: a.scope }, { ...c, resource: a.resource }, d, { ...b, spanId: 'ab'.repeat(8), resource: a.resource }];
    const bytes = encodeOtlpProto(spans);
    const msg = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(bytes)) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
    expect(msg.resourceSpans.map((r) => r.scopeSpans.map((s) => s.spans.length))).toEqual([[2, 1], [1], [1]]);
    expect(ok(decodeRawSpans(record(Buffer.from(bytes)))).spans).toEqual(spans);
  });

  it('round-trips random spans through OTLP JSON (200 seeds)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const spans = randomSpans(seed, 3);
      const r = ok(decodeRawSpans(record(Buffer.from(encodeOtlpJson(spans)), { 'content-type': 'application/json' })));
      expect(r.format).toBe('otlp_json');
      expect(r.spans, `seed ${seed}`).toEqual(spans);
    }
  });

  it.each([
    ['avro magic byte', Buffer.from([0, 0, 0, 0, 1, 2]), undefined, 'avro'],
    ['JSON object', Buffer.from(' {"resourceSpans":[]}'), undefined, 'otlp_json'],
    ['JSON array', Buffer.from('[]'), undefined, 'zipkin_json'],
    ['protobuf bytes', Buffer.from([0x0a, 0x00]), undefined, 'otlp_proto'],
    ['protobuf header', Buffer.from('{'), 'application/x-protobuf', 'otlp_proto'],
    ['json header + array', Buffer.from('[]'), 'application/json; charset=utf-8', 'zipkin_json'],
    ['our avro header', Buffer.from('x'), SPAN_BATCH_CONTENT_TYPE, 'avro'],
  ])('detects the format from %s', (_name, bytes, ct, expected) => {
    expect(detectFormat(bytes, ct)).toBe(expected);
  });

  it('fails the whole record for a truncated protobuf', () => {
    const bytes = Buffer.from(encodeOtlpProto(randomSpans(1, 5)));
    const r = decodeRawSpans(record(bytes.subarray(0, bytes.length - 7), { 'content-type': 'application/x-protobuf' }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^otlp_proto: .*(index out of range|invalid wire type)/);
  });

  it('fails the whole record for invalid JSON and for a wrong envelope type', () => {
    expect(decodeRawSpans(record(Buffer.from('{"resourceSpans": [')))).toMatchObject({ ok: false, format: 'otlp_json' });
    const r = decodeRawSpans(record(Buffer.from('{"resourceSpans": {"a": 1}}')));
    expect(r).toEqual({ ok: false, format: 'otlp_json', error: 'otlp_json: resourceSpans: array expected, got object' });
  });

  it('rejects a span with a wrong JSON type by field, keeping its neighbours', () => {
    const [a, b, c] = randomSpans(9, 3) as [Span, Span, Span];
    const doc = JSON.parse(encodeOtlpJson([a, b, c])) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    const bad = doc.resourceSpans[1]?.scopeSpans[0]?.spans[0] as Record<string, unknown>;
    bad['startTimeUnixNano'] = true;
    const r = ok(decodeRawSpans(record(Buffer.from(JSON.stringify(doc)))));
    expect(r.spans).toEqual([a, c]);
    expect(r.rejected).toEqual([
      { index: 1, traceId: b.traceId, spanId: b.spanId, reason: 'span[1].startTimeUnixNano: 64-bit integer (decimal string or integer number) expected, got true' },
    ]);
  });

  it('accepts int64 as JSON numbers and enums as names', () => {
    const [s] = randomSpans(4, 1, { simple: true }) as [Span];
    const doc = JSON.parse(encodeOtlpJson([{ ...s, startTimeUnixNano: 1000n, endTimeUnixNano: 2000n }])) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    const js = doc.resourceSpans[0]?.scopeSpans[0]?.spans[0] as Record<string, unknown>;
    Object.assign(js, { startTimeUnixNano: 1000, endTimeUnixNano: 2000, kind: 'SPAN_KIND_CLIENT', traceId: s.traceId.toUpperCase() });
    const [got] = ok(decodeRawSpans(record(Buffer.from(JSON.stringify(doc))))).spans;
    expect(got).toMatchObject({ startTimeUnixNano: 1000n, endTimeUnixNano: 2000n, kind: 3, traceId: s.traceId });
  });

  it('rejects 1 bad span among 99 good ones with a reason naming the field', () => {
    const spans = randomSpans(42, 100, { simple: true });
    spans[37] = { ...(spans[37] as Span), spanId: 'abcdef12' };
    const r = ok(decodeRawSpans(record(Buffer.from(encodeOtlpProto(spans)))));
    expect(r.spans).toHaveLength(99);
    expect(r.rejected).toEqual([{ index: 37, traceId: spans[37]?.traceId, spanId: 'abcdef12', reason: 'span[37].spanId: 8 bytes expected, got 4' }]);
  });

  it.each([
    ['all-zero trace id', { traceId: '0'.repeat(32) }, 'span[0].traceId: all-zero id is invalid'],
    ['short trace id', { traceId: 'ab'.repeat(8) }, 'span[0].traceId: 16 bytes expected, got 8'],
    ['end before start', { startTimeUnixNano: 10n, endTimeUnixNano: 9n }, 'span[0].endTimeUnixNano: 9 is before startTimeUnixNano 10'],
    ['huge attribute', { attributes: [{ key: 'big', value: { type: 'string', value: 'x'.repeat(70_000) } }] }, 'span[0].attributes["big"]: value of length 70000 exceeds the limit of 65536'],
    ['too many attributes', { attributes: Array.from({ length: 300 }, (_, i) => ({ key: `a${i}`, value: { type: 'bool', value: true } })) }, 'span[0].attributes: 300 attributes exceed the limit of 256'],
  ] as [string, Partial<Span>, string][])('rejects a span with %s', (_name, patch, reason) => {
    const [s] = randomSpans(3, 1, { simple: true }) as [Span];
    const r = ok(decodeRawSpans(record(Buffer.from(encodeOtlpProto([{ ...s, ...patch }])))));
    expect(r.spans).toEqual([]);
    expect(r.rejected.map((x) => x.reason)).toEqual([reason]);
  });

  it('applies configurable limits', () => {
    const [s] = randomSpans(3, 1, { simple: true }) as [Span];
    const decoder = new RawSpansDecoder({ limits: { maxAttributes: 256, maxAttributeValueLength: 4, maxEvents: 0, maxLinks: 0, maxSpanBytes: 1e9 } });
    const r = decoder.decode(record(Buffer.from(encodeOtlpProto([{ ...s, attributes: [], events: [], links: [], resource: { ...s.resource, attributes: [] }, name: 'n' }]))));
    expect(r).toMatchObject({ ok: true, rejected: [] });
    const r2 = decoder.decode(record(Buffer.from(encodeOtlpProto([{ ...s, attributes: [{ key: 'k', value: { type: 'string', value: 'hello' } }] }]))));
    expect(r2.ok && r2.rejected[0]?.reason).toBe('span[0].attributes["k"]: value of length 5 exceeds the limit of 4');
  });

  it('groups spans by trace id so a mixed record can be re-keyed', () => {
    const spans = randomSpans(8, 30, { simple: true });
    const groups = groupByTrace(spans);
    expect([...groups.values()].flat()).toHaveLength(30);
    for (const [traceId, group] of groups) expect(group.every((s) => s.traceId === traceId)).toBe(true);
    expect(groups.size).toBe(new Set(spans.map((s) => s.traceId)).size);
  });

  it('builds dead letters with the original record and the reason', () => {
    const raw: RawRecord = { key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 5, headers: { a: Buffer.from('1') } };
    const dl = toDeadLetter(raw, 'otlp_proto: truncated', 'decode');
    expect(dl.key).toEqual(raw.key);
    expect(dl.value).toEqual(raw.value);
    expect(dl.timestamp).toBe(5);
    expect(Object.fromEntries(Object.entries(dl.headers).map(([k, v]) => [k, v.toString()]))).toEqual({ a: '1', 'error.reason': 'otlp_proto: truncated', 'error.source': 'decode' });
  });
});
