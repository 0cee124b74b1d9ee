import { decodeAnyValue, decodeKeyValues, encodeAnyValue, encodeKeyValues, type OtlpJsonKeyValue, type OtlpJsonValue } from '../model/otlp-json.ts';
import type { Attributes, KeyValue } from '../model/span.ts';

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

export function splitAttributes(attrs: Attributes): TypedAttributeMaps {
  // A map is made only for a type that occurs: most attribute sets hold two or three of the
  // five, and the sink splits two sets a span. The shared empty map is never written to.
  let string: Record<string, string> | undefined;
  let int: Record<string, string> | undefined;
  let double: Record<string, number> | undefined;
  let bool: Record<string, boolean> | undefined;
  let json: Record<string, string> | undefined;
  for (const { key, value: v } of attrs) {
    if (v.type === 'string') (string ??= {})[key] = v.value;
    else if (v.type === 'int') (int ??= {})[key] = intText(v.value);
    else if (v.type === 'bool') (bool ??= {})[key] = v.value;
    else if (v.type === 'double' && Number.isFinite(v.value) && !Object.is(v.value, -0)) (double ??= {})[key] = v.value;
    else (json ??= {})[key] = JSON.stringify(encodeAnyValue(v));
  }
  return { string: string ?? EMPTY, int: int ?? EMPTY, double: double ?? EMPTY, bool: bool ?? EMPTY, json: json ?? EMPTY };
}

const EMPTY: Record<string, never> = Object.freeze({});

const TWO_53 = 2n ** 53n;

/** Decimal text of an Int64; below 2^53 through a number, which prints the same digits faster. */
export function intText(n: bigint): string {
  return n > -TWO_53 && n < TWO_53 ? String(Number(n)) : n.toString();
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
  return JSON.stringify(encodeKeyValues(attrs));
}

export function attributesFromJson(text: string): KeyValue[] {
  if (text === '') return [];
  return decodeKeyValues(JSON.parse(text) as OtlpJsonKeyValue[]);
}
