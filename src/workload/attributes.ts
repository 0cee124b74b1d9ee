/**
 * Terse constructors for OTLP attributes, so span-building code reads like the semantic
 * conventions it follows rather than like nested object literals.
 */
import type { AnyValue, KeyValue } from '../model/span.ts';

export const kvString = (key: string, value: string): KeyValue => ({ key, value: { type: 'string', value } });
export const kvBool = (key: string, value: boolean): KeyValue => ({ key, value: { type: 'bool', value } });
/** OTLP int64: a bigint, so it never collides with doubles on the way to ClickHouse. */
export const kvInt = (key: string, value: number | bigint): KeyValue => ({ key, value: { type: 'int', value: BigInt(value) } });
export const kvDouble = (key: string, value: number): KeyValue => ({ key, value: { type: 'double', value } });
export const kvArray = (key: string, values: readonly string[]): KeyValue => ({
  key,
  value: { type: 'array', values: values.map((v): AnyValue => ({ type: 'string', value: v })) },
});
