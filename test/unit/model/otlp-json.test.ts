import { describe, expect, it } from 'vitest';
import { joinAttributes, splitAttributes } from '../../../src/clickhouse/attributes.ts';
import { decodeOtlpJson } from '../../../src/ingest/otlp-json.ts';
import { SpanCollector } from '../../../src/ingest/span-collector.ts';
import { decodeAnyValue, encodeAnyValue, encodeOtlpJson, toResourceSpans, type OtlpJsonValue } from '../../../src/model/otlp-json.ts';
import type { AnyValue, Span } from '../../../src/model/span.ts';
import { span } from '../edges/span-factory.ts';

/** Every AnyValue type, with the text the protobuf JSON mapping prescribes for it. */
const CASES: ReadonlyArray<readonly [string, AnyValue, string]> = [
  ['string', { type: 'string', value: 'héllo' }, '{"stringValue":"héllo"}'],
  ['bool', { type: 'bool', value: false }, '{"boolValue":false}'],
  ['int64 max', { type: 'int', value: 9223372036854775807n }, '{"intValue":"9223372036854775807"}'],
  ['int64 min', { type: 'int', value: -9223372036854775808n }, '{"intValue":"-9223372036854775808"}'],
  ['double', { type: 'double', value: 1.5 }, '{"doubleValue":1.5}'],
  ['double 0', { type: 'double', value: 0 }, '{"doubleValue":0}'],
  ['double -0', { type: 'double', value: -0 }, '{"doubleValue":"-0"}'],
  ['double NaN', { type: 'double', value: Number.NaN }, '{"doubleValue":"NaN"}'],
  ['double Infinity', { type: 'double', value: Number.POSITIVE_INFINITY }, '{"doubleValue":"Infinity"}'],
  ['double -Infinity', { type: 'double', value: Number.NEGATIVE_INFINITY }, '{"doubleValue":"-Infinity"}'],
  ['bytes', { type: 'bytes', value: new Uint8Array([0, 255, 7]) }, '{"bytesValue":"AP8H"}'],
  ['array', { type: 'array', values: [{ type: 'int', value: 1n }, { type: 'empty' }] }, '{"arrayValue":{"values":[{"intValue":"1"},{}]}}'],
  ['kvlist', { type: 'kvlist', values: [{ key: 'k', value: { type: 'double', value: -0 } }] }, '{"kvlistValue":{"values":[{"key":"k","value":{"doubleValue":"-0"}}]}}'],
  ['empty', { type: 'empty' }, '{}'],
];

/** toEqual, but -0 and 0 differ (Object.is), as they do on the wire. */
function same(actual: unknown, expected: unknown): void {
  expect(actual).toStrictEqual(expected);
  const walk = (a: unknown, e: unknown): void => {
    if (typeof e === 'number') expect(Object.is(a, e), `${String(a)} is ${String(e)}`).toBe(true);
    else if (e instanceof Uint8Array || typeof e !== 'object' || e === null) return;
    else for (const k of Object.keys(e)) walk((a as Record<string, unknown>)[k], (e as Record<string, unknown>)[k]);
  };
  walk(actual, expected);
}

const withAttribute = (value: AnyValue): Span => ({ ...span({ id: 1, kind: 'server', service: 'svc' }), attributes: [{ key: 'a', value }] });

describe('the OTLP-JSON codec (model/otlp-json.ts)', () => {
  it.each(CASES)('%s: encodes as the protobuf JSON mapping says', (_name, value, text) => {
    expect(JSON.stringify(encodeAnyValue(value))).toBe(text);
  });

  it.each(CASES)('%s: reads back from stored text unchanged', (_name, value, text) => {
    same(decodeAnyValue(JSON.parse(text) as OtlpJsonValue), value);
  });

  it.each(CASES)('%s: the validating ingest decoder reads what the encoder wrote', (_name, value) => {
    const out = new SpanCollector();
    decodeOtlpJson(Buffer.from(encodeOtlpJson([withAttribute(value)])), out);
    expect(out.rejected).toEqual([]);
    same(out.spans[0]?.attributes, [{ key: 'a', value }]);
  });

  it.each(CASES)('%s: survives the ClickHouse attribute maps', (_name, value) => {
    same(joinAttributes(splitAttributes([{ key: 'a', value }])), [{ key: 'a', value }]);
  });

  it('writes the same span the same way for a request and for the query API', () => {
    const s = withAttribute({ type: 'double', value: -0 });
    const request = JSON.parse(encodeOtlpJson([s])) as { resourceSpans: unknown[] };
    expect(JSON.parse(JSON.stringify(toResourceSpans([s])))).toEqual(request.resourceSpans);
  });
});
