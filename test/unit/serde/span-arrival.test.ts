import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { deriveSpanMetrics } from '../../../src/edges/index.ts';
import { RawSpansDecoder, type DecodeResult } from '../../../src/ingest/decode.ts';
import { isRoot, serviceName, type AnyValue, type Span } from '../../../src/model/span.ts';
import { defaultSpanLimits, type SpanLimits } from '../../../src/model/validate.ts';
import { Cursor } from '../../../src/serde/avro-cursor.ts';
import { spanBatchSerde } from '../../../src/serde/avro-serde.ts';
import { spanFromAvro, spanToAvro } from '../../../src/serde/avro-span.ts';
import { InProcessRegistry } from '../../../src/serde/registry.ts';
import { readArrivalSpan } from '../../../src/serde/span-arrival.ts';
import { encodingOf, isSkeleton } from '../../../src/serde/span-encodings.ts';
import { generateWorkload } from '../../../src/workload/generator.ts';
import { span } from '../edges/span-factory.ts';

const registry = InProcessRegistry.fromDir();
const type = registry.readerType('Span');
const full = (b: Buffer): Span => spanFromAvro(type.fromBuffer(b));
const serde = await spanBatchSerde(registry);

/** What arrival reads of a span: the fields buffer-traces and its span metrics use. */
function arrivalView(s: Span): unknown {
  return {
    traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId, flags: s.flags, name: s.name, kind: s.kind,
    start: s.startTimeUnixNano, end: s.endTimeUnixNano, status: s.status.code, root: isRoot(s), service: serviceName(s),
    dropped: [s.droppedAttributesCount, s.droppedEventsCount, s.droppedLinksCount],
  };
}

function decodeBoth(spans: readonly Span[], limits: SpanLimits = defaultSpanLimits): [DecodeResult, DecodeResult] {
  const value = serde.serialize([...spans]);
  const record = { key: null, value, timestamp: 0, headers: {} };
  const skeletons = new RawSpansDecoder({ registry, limits, arrivalSkeletons: true });
  const fulls = new RawSpansDecoder({ registry, limits });
  return [skeletons, fulls].map((d) => d.decodeAsync(record)) as unknown as [DecodeResult, DecodeResult];
}

const nested = (depth: number): AnyValue => (depth <= 1 ? { type: 'string', value: 'x' } : { type: 'array', values: [nested(depth - 1)] });
const base = span({ id: 7, parent: 1, service: 'svc', kind: 'server', attrs: { 'http.route': '/a' } });
const small: SpanLimits = { maxAttributes: 3, maxAttributeValueLength: 12, maxEvents: 1, maxLinks: 1, maxSpanBytes: 20_000 };
const link = { traceId: base.traceId, spanId: 'ab'.repeat(8), traceState: '', flags: 0, attributes: [], droppedAttributesCount: 0 };
const event = { timeUnixNano: 5n, name: 'e', attributes: [], droppedAttributesCount: 0 };

/** Spans the full decode refuses, or that sit at a limit, each to be judged the same on both paths. */
const CASES: Array<[string, Span]> = [
  ['traceId not hex', { ...base, traceId: 'zz'.repeat(16) }],
  ['traceId in upper case', { ...base, traceId: base.traceId.toUpperCase() }],
  ['spanId all zero', { ...base, spanId: '0'.repeat(16) }],
  ['parentSpanId all zero', { ...base, parentSpanId: '0'.repeat(16) }],
  ['parentSpanId too short', { ...base, parentSpanId: 'abcd' }],
  ['flags past uint32', { ...base, flags: 2 ** 33 }],
  ['kind out of range', { ...base, kind: 9 as Span['kind'] }],
  ['status out of range', { ...base, status: { code: 5 as Span['status']['code'], message: '' } }],
  ['end before start', { ...base, endTimeUnixNano: base.startTimeUnixNano - 1n }],
  ['start past 2^63', { ...base, startTimeUnixNano: 2n ** 63n + 5n, endTimeUnixNano: 2n ** 63n + 9n }],
  ['too many attributes', { ...base, attributes: ['a', 'b', 'c', 'd'].map((k) => ({ key: k, value: { type: 'empty' } })) }],
  ['attributes at the limit', { ...base, attributes: ['a', 'b', 'c'].map((k) => ({ key: k, value: { type: 'bool', value: true } })) }],
  ['value too long', { ...base, attributes: [{ key: 'k', value: { type: 'string', value: 'thirteen-char' } }] }],
  ['value at the limit in UTF-16, longer in UTF-8', { ...base, attributes: [{ key: 'k', value: { type: 'string', value: 'é'.repeat(12) } }] }],
  ['key too long', { ...base, attributes: [{ key: 'thirteen-char', value: { type: 'empty' } }] }],
  ['bytes value too long', { ...base, attributes: [{ key: 'k', value: { type: 'bytes', value: new Uint8Array(13) } }] }],
  ['kvlist with too many entries', { ...base, attributes: [{ key: 'k', value: { type: 'kvlist', values: ['a', 'b', 'c', 'd'].map((x) => ({ key: x, value: { type: 'empty' } })) } }] }],
  ['nested too deep', { ...base, attributes: [{ key: 'deep', value: nested(40) }] }],
  ['nested at the limit', { ...base, attributes: [{ key: 'deep', value: nested(32) }] }],
  ['too many events', { ...base, events: [event, event] }],
  ['event time past 2^63', { ...base, events: [{ ...event, timeUnixNano: 2n ** 63n }] }],
  ['event time just below 2^64 (a short varint, negative)', { ...base, events: [{ ...event, timeUnixNano: 2n ** 64n - 5n }] }],
  ['event time just below 2^63', { ...base, events: [{ ...event, timeUnixNano: 2n ** 63n - 1n }] }],
  ['event attribute too long', { ...base, events: [{ ...event, attributes: [{ key: 'k', value: { type: 'string', value: 'thirteen-char' } }] }] }],
  ['too many links', { ...base, links: [link, link] }],
  ['link spanId bad', { ...base, links: [{ ...link, spanId: 'xyz' }] }],
  ['link flags past uint32', { ...base, links: [{ ...link, flags: 2 ** 32 }] }],
  ['one link, one event', { ...base, links: [link], events: [event] }],
  ['droppedEventsCount past uint32', { ...base, droppedEventsCount: 2 ** 32 }],
  ['service.name too long', { ...base, resource: { ...base.resource, attributes: [{ key: 'service.name', value: { type: 'string', value: 'thirteen-char' } }] } }],
  ['service.name not a string', { ...base, resource: { ...base.resource, attributes: [{ key: 'service.name', value: { type: 'int', value: 3n } }] } }],
  ['a second service.name', { ...base, resource: { ...base.resource, attributes: [...base.resource.attributes, { key: 'service.name', value: { type: 'string', value: 'b' } }] } }],
  ['scope attribute too long', { ...base, scope: { ...base.scope, attributes: [{ key: 'k', value: { type: 'string', value: 'thirteen-char' } }] } }],
  ['span over the size limit', { ...base, name: 'n'.repeat(20_000) }],
  ['span under the size limit', { ...base, name: 'n'.repeat(1_000) }],
];

/**
 * Cases the arrival reader is sure of: the odd span is read as a skeleton, not by avsc. (It is
 * cautious: a UTF-8 value longer in bytes than the limit, or a span over a ninth of the size
 * limit, is left to the full decode even when valid.)
 */
const READ_AS_SKELETON = new Set([
  'attributes at the limit', 'nested at the limit', 'event time just below 2^63', 'one link, one event', 'a second service.name', 'span under the size limit',
]);

describe('readArrivalSpan', () => {
  it('reads what arrival needs exactly as the full decode, on the seeded workload', () => {
    let n = 0;
    for (const d of generateWorkload({ seed: 'bench-throughput', traces: 300, keepTraceTruth: false }).deliveries) {
      const bytes = type.toBuffer(spanToAvro(d.span));
      const c = new Cursor(bytes);
      const s = readArrivalSpan(c, defaultSpanLimits);
      if (!s) throw new Error(`span ${d.span.spanId} left to the full decode`);
      expect(c.pos).toBe(bytes.length);
      const f = full(bytes);
      expect(arrivalView(s)).toEqual(arrivalView(f));
      expect(deriveSpanMetrics([s])).toEqual(deriveSpanMetrics([f]));
      n++;
    }
    expect(n).toBeGreaterThan(5_000);
  });

  it('leaves truncated bytes and an unknown union branch to the full decode', () => {
    const bytes = type.toBuffer(spanToAvro(base));
    expect(readArrivalSpan(new Cursor(bytes.subarray(0, bytes.length - 3)), defaultSpanLimits)).toBeUndefined();
    const bad = Buffer.from(bytes);
    // The first attribute's value branch (after its 10-char key) set to 8, past AnyValue's union.
    const at = bytes.indexOf(Buffer.from('http.route')) + 'http.route'.length;
    bad[at] = 16;
    expect(readArrivalSpan(new Cursor(bad), defaultSpanLimits)).toBeUndefined();
  });
});

describe('RawSpansDecoder with arrival skeletons', () => {
  it.each(CASES)('%s: the same spans accepted and the same rejections as the full decode', async (name, odd) => {
    const good = span({ id: 2, parent: 7, service: 'svc', kind: 'client' });
    const [a, b] = await Promise.all(decodeBoth([good, odd, good], small));
    if (!a.ok || !b.ok) throw new Error('record refused');
    expect(a.rejected).toEqual(b.rejected);
    expect(a.spans.length).toBe(b.spans.length);
    const decoder = new RawSpansDecoder({ registry, limits: small, arrivalSkeletons: true });
    a.spans.forEach((s, i) => {
      const f = b.spans[i] as Span;
      expect(encodingOf(s)?.equals(encodingOf(f) as Buffer)).toBe(true);
      expect(arrivalView(s)).toEqual(arrivalView(f));
      expect(decoder.fullSpan(s)).toEqual(f);
    });
    expect(isSkeleton(a.spans[0])).toBe(true);
    if (READ_AS_SKELETON.has(name)) expect(a.spans.length === 3 && isSkeleton(a.spans[1])).toBe(true);
  });

  it('refuses a truncated record with the same error as the full decode', async () => {
    const value = serde.serialize([base, base]);
    const record = { key: null, value: value.subarray(0, value.length - 20), timestamp: 0, headers: {} };
    const a = await new RawSpansDecoder({ registry, arrivalSkeletons: true }).decodeAsync(record);
    const b = await new RawSpansDecoder({ registry }).decodeAsync(record);
    expect(a.ok).toBe(false);
    expect(a).toEqual(b);
  });

  it('reads blocks with a byte size (negative count) as avsc does', async () => {
    const items = [base, span({ id: 3, parent: 7, service: 'svc', kind: 'internal' })].map((s) => type.toBuffer(spanToAvro(s)));
    const long = avro.Type.forSchema('long');
    const header = serde.serialize([]).subarray(0, 5);
    const size = items.reduce((n, x) => n + x.length, 0);
    const value = Buffer.concat([header, long.toBuffer(-2), long.toBuffer(size), ...items, long.toBuffer(0)]);
    const result = await new RawSpansDecoder({ registry, arrivalSkeletons: true }).decodeAsync({ key: null, value, timestamp: 0, headers: {} });
    if (!result.ok) throw new Error(result.error);
    expect(result.spans.map((s) => encodingOf(s)?.toString('hex'))).toEqual(items.map((x) => x.toString('hex')));
    expect(result.spans.every((s) => isSkeleton(s))).toBe(true);
  });
});
