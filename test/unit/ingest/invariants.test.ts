/**
 * Every door applies the same span invariants (src/model/validate.ts): a span one decoder
 * rejects, the others reject too, with a reason naming the field, while its neighbours in
 * the same record are accepted (issue 12: one span could wedge the pipeline).
 */
import { describe, expect, it } from 'vitest';
import { RawSpansDecoder, type DecodeResult } from '../../../src/ingest/decode.ts';
import { encodeOtlpJson } from '../../../src/model/otlp-json.ts';
import { encodeOtlpProto } from '../../../src/ingest/otlp-proto.ts';
import type { AnyValue, Span } from '../../../src/model/span.ts';
import { spanBatchSerde } from '../../../src/serde/avro-serde.ts';
import { InProcessRegistry } from '../../../src/serde/registry.ts';
import { span } from '../edges/span-factory.ts';

const decoder = new RawSpansDecoder();
const good = (id: number): Span => span({ id, service: 'a', kind: 'server' });

type JsonDoc = { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
const spanOf = (doc: JsonDoc, i: number): Record<string, unknown> => doc.resourceSpans[i]?.scopeSpans[0]?.spans[0] ?? {};

function nested(depth: number): AnyValue {
  let v: AnyValue = { type: 'string', value: 'leaf' };
  for (let i = 0; i < depth; i++) v = { type: 'array', values: [v] };
  return v;
}

/** A broken span between two good ones, encoded by each format that can carry the fault. */
const cases: { name: string; bad: Span; field: RegExp }[] = [
  { name: 'start time of 2^64-5 ns (a JSON -5 read as fixed64)', bad: { ...good(2), startTimeUnixNano: 2n ** 64n - 5n, endTimeUnixNano: 2n ** 64n - 1n }, field: /span\[1\]\.startTimeUnixNano: .*2\^63/ },
  { name: 'fixed64 end time ≥ 1e19', bad: { ...good(2), endTimeUnixNano: 10n ** 19n }, field: /span\[1\]\.endTimeUnixNano/ },
  { name: 'status.code 3', bad: { ...good(2), status: { code: 3 as Span['status']['code'], message: '' } }, field: /span\[1\]\.status\.code: .*0\.\.2.*3/ },
  { name: 'kind 123', bad: { ...good(2), kind: 123 as Span['kind'] }, field: /span\[1\]\.kind: .*0\.\.5.*123/ },
  { name: 'event time ≥ 2^63', bad: { ...good(2), events: [{ timeUnixNano: 2n ** 63n, name: 'e', attributes: [], droppedAttributesCount: 0 }] }, field: /span\[1\]\.events\[0\]\.timeUnixNano/ },
  // protobufjs itself stops at 100 nested messages (a whole-record failure): 40 levels is past our cap and below its.
  { name: 'attribute nested 40 deep', bad: { ...good(2), attributes: [{ key: 'deep', value: nested(40) }] }, field: /span\[1\]\.attributes\["deep"\].*nested deeper than 32/ },
];
// avsc's own (recursive) writer overflows near 2,000 levels; 300 is deep enough to show ours does not recurse.
const deep: Span = { ...good(2), attributes: [{ key: 'deep', value: nested(300) }] };

function expectOneRejected(r: DecodeResult, field: RegExp): void {
  if (!r.ok) throw new Error(`whole record failed: ${r.error}`);
  expect(r.spans.map((s) => s.spanId)).toEqual(['0000000000000001', '0000000000000003']);
  expect(r.rejected).toHaveLength(1);
  expect(r.rejected[0]?.reason).toMatch(field);
}

describe('every decoder enforces the model invariants, naming the field', () => {
  it.each(cases)('OTLP protobuf: $name', ({ bad, field }) => {
    const bytes = Buffer.from(encodeOtlpProto([good(1), bad, good(3)]));
    expectOneRejected(decoder.decodeBytes(bytes, 'application/x-protobuf'), field);
  });

  it.each(cases)('Avro SpanBatch: $name', async ({ bad, field }) => {
    const avro = await spanBatchSerde(InProcessRegistry.fromDir());
    expectOneRejected(decoder.decodeBytes(avro.serialize([good(1), bad, good(3)])), field);
  });

  it.each(cases.filter((c) => !/2\^64/.test(c.name)))('OTLP JSON: $name', ({ bad, field }) => {
    const body = Buffer.from(encodeOtlpJson([good(1), bad, good(3)]));
    expectOneRejected(decoder.decodeBytes(body, 'application/json'), field);
  });

  it('Avro SpanBatch: an attribute nested 300 deep is rejected alone', async () => {
    const avro = await spanBatchSerde(InProcessRegistry.fromDir());
    expectOneRejected(decoder.decodeBytes(avro.serialize([good(1), deep, good(3)])), /span\[1\]\.attributes\["deep"\].*nested deeper than 32/);
  });

  it('OTLP JSON: "startTimeUnixNano":"-5" is rejected, not wrapped', () => {
    const doc = JSON.parse(encodeOtlpJson([good(1), good(2), good(3)])) as JsonDoc;
    spanOf(doc, 1)['startTimeUnixNano'] = '-5';
    expectOneRejected(decoder.decodeBytes(Buffer.from(JSON.stringify(doc)), 'application/json'), /span\[1\]\.startTimeUnixNano: .*-5/);
  });

  it('OTLP JSON: an attribute nested 2,000 deep (raw JSON) is rejected without a stack overflow', () => {
    let v = '{"stringValue":"leaf"}';
    for (let i = 0; i < 2_000; i++) v = `{"kvlistValue":{"values":[{"key":"k","value":${v}}]}}`;
    const doc = JSON.parse(encodeOtlpJson([good(1), good(2), good(3)])) as JsonDoc;
    spanOf(doc, 1)['attributes'] = 'DEEP';
    const text = JSON.stringify(doc).replace('"DEEP"', `[{"key":"deep","value":${v}}]`);
    const r = decoder.decodeBytes(Buffer.from(text), 'application/json');
    expectOneRejected(r, /span\[1\]\.attributes\["deep"\].*nested deeper than 32/);
  });

  it('OTLP JSON: a bad resource rejects only the spans under it', () => {
    const doc = JSON.parse(encodeOtlpJson([good(1), good(2), good(3)])) as { resourceSpans: { resource: { attributes: unknown[] } }[] };
    const res = doc.resourceSpans[1]?.resource;
    if (res) res.attributes = [{ key: 'n', value: { boolValue: 'yes' } }];
    expectOneRejected(decoder.decodeBytes(Buffer.from(JSON.stringify(doc)), 'application/json'), /span\[1\]\.resourceSpans\[1\]\.resource\.attributes\["n"\]\.boolValue: boolean expected/);
  });

  it('Zipkin: an end time past 2^63 ns is rejected by the shared time check', () => {
    const z = (id: string, duration: number) => ({ traceId: '0af7651916cd43dd8448eb211c80319c', id, name: 'x', timestamp: 9_000_000_000_000_000, duration });
    const body = JSON.stringify([z('0000000000000001', 5), z('0000000000000002', 9_000_000_000_000_000), z('0000000000000003', 5)]);
    const r = decoder.decodeBytes(Buffer.from(body), 'application/json');
    expectOneRejected(r, /span\[1\]\.endTimeUnixNano: .*2\^63/);
  });
});
