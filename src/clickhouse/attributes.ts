import type { AnyValue, Attributes, KeyValue } from '../model/span.ts';

/**
 * Attributes as ClickHouse stores them: one map per scalar type, so filters are typed and
 * bloom-filter indexes see keys and values; everything else (bytes, arrays, kvlists, empty
 * values, non-finite or negative-zero doubles) as OTLP/JSON text in `json`, so nothing is
 * lost. Int64 values are decimal strings: JSON numbers cannot hold them.
 */
export interface TypedAttributeMaps {
  readonly string: Record<string, string>;
  readonly int: Record<string, string>;
  readonly double: Record<string, number>;
  readonly bool: Record<string, boolean>;
  readonly json: Record<string, string>;
}

/** OTLP/JSON encoding of an AnyValue (the protobuf JSON mapping, as OTLP/HTTP JSON uses). */
export type OtlpJsonValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number | string }
  | { bytesValue: string }
  | { arrayValue: { values: OtlpJsonValue[] } }
  | { kvlistValue: { values: OtlpJsonKeyValue[] } }
  | Record<string, never>;

export interface OtlpJsonKeyValue {
  key: string;
  value: OtlpJsonValue;
}

export function splitAttributes(attrs: Attributes): TypedAttributeMaps {
  const out = { string: {}, int: {}, double: {}, bool: {}, json: {} } as {
    string: Record<string, string>; int: Record<string, string>; double: Record<string, number>; bool: Record<string, boolean>; json: Record<string, string>;
  };
  for (const { key, value: v } of attrs) {
    if (v.type === 'string') out.string[key] = v.value;
    else if (v.type === 'int') out.int[key] = v.value.toString();
    else if (v.type === 'bool') out.bool[key] = v.value;
    else if (v.type === 'double' && Number.isFinite(v.value) && !Object.is(v.value, -0)) out.double[key] = v.value;
    else out.json[key] = JSON.stringify(encodeAnyValue(v));
  }
  return out;
}

/** Inverse of splitAttributes. Order across types is not kept: OTLP keys are unique, order carries no meaning. */
export function joinAttributes(maps: TypedAttributeMaps): KeyValue[] {
  const out: KeyValue[] = [];
  for (const [key, value] of Object.entries(maps.string)) out.push({ key, value: { type: 'string', value } });
  for (const [key, value] of Object.entries(maps.int)) out.push({ key, value: { type: 'int', value: BigInt(value) } });
  for (const [key, value] of Object.entries(maps.double)) out.push({ key, value: { type: 'double', value: Number(value) } });
  for (const [key, value] of Object.entries(maps.bool)) out.push({ key, value: { type: 'bool', value } });
  for (const [key, value] of Object.entries(maps.json)) out.push({ key, value: decodeAnyValue(JSON.parse(value) as OtlpJsonValue) });
  return out;
}

export function attributesToJson(attrs: Attributes): string {
  return JSON.stringify(attrs.map((kv) => ({ key: kv.key, value: encodeAnyValue(kv.value) })));
}

export function attributesFromJson(text: string): KeyValue[] {
  if (text === '') return [];
  return (JSON.parse(text) as OtlpJsonKeyValue[]).map((kv) => ({ key: kv.key, value: decodeAnyValue(kv.value) }));
}

export function encodeAnyValue(v: AnyValue): OtlpJsonValue {
  switch (v.type) {
    case 'string': return { stringValue: v.value };
    case 'bool': return { boolValue: v.value };
    case 'int': return { intValue: v.value.toString() };
    case 'double': return { doubleValue: Number.isFinite(v.value) && !Object.is(v.value, -0) ? v.value : nonFinite(v.value) };
    case 'bytes': return { bytesValue: Buffer.from(v.value).toString('base64') };
    case 'array': return { arrayValue: { values: v.values.map(encodeAnyValue) } };
    case 'kvlist': return { kvlistValue: { values: v.values.map((kv) => ({ key: kv.key, value: encodeAnyValue(kv.value) })) } };
    case 'empty': return {};
  }
}

export function decodeAnyValue(j: OtlpJsonValue): AnyValue {
  if ('stringValue' in j) return { type: 'string', value: j.stringValue };
  if ('boolValue' in j) return { type: 'bool', value: j.boolValue };
  if ('intValue' in j) return { type: 'int', value: BigInt(j.intValue) };
  if ('doubleValue' in j) return { type: 'double', value: Number(j.doubleValue) };
  if ('bytesValue' in j) return { type: 'bytes', value: new Uint8Array(Buffer.from(j.bytesValue, 'base64')) };
  if ('arrayValue' in j) return { type: 'array', values: j.arrayValue.values.map(decodeAnyValue) };
  if ('kvlistValue' in j) return { type: 'kvlist', values: j.kvlistValue.values.map((kv) => ({ key: kv.key, value: decodeAnyValue(kv.value) })) };
  return { type: 'empty' };
}

/** proto3 JSON spells these as strings; Number() reads them back. */
function nonFinite(d: number): string {
  return Object.is(d, -0) ? '-0' : Number.isNaN(d) ? 'NaN' : d > 0 ? 'Infinity' : '-Infinity';
}
