/**
 * avsc types for tailstream schemas: every Avro `long` maps to a JS bigint (ns timestamps and
 * OTLP int64 attributes do not fit a double), and unions are always wrapped so `long` and
 * `double` branches stay distinguishable.
 */
import avro from 'avsc';
import type { Schema, Type } from 'avsc';

const BigLong: Type = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer): bigint => buf.readBigInt64LE(0),
  toBuffer: (n: bigint): Buffer => {
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64LE(n);
    return b;
  },
  fromJSON: (x: unknown): bigint => BigInt(x as string | number),
  toJSON: (n: bigint): string => n.toString(),
  isValid: (n: unknown): boolean => typeof n === 'bigint' && n >= -(2n ** 63n) && n < 2n ** 63n,
  compare: (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0),
});

function bigLongHook(schema: Schema): Type | undefined {
  if (schema === 'long') return BigLong;
  if (typeof schema === 'object' && schema !== null && !Array.isArray(schema)) {
    const s = schema as { type?: unknown; logicalType?: unknown };
    if (s.type === 'long' && s.logicalType === undefined) return BigLong;
  }
  return undefined;
}

/** Parses a schema with tailstream's conventions (bigint longs, wrapped unions). */
export function avroType(schema: Schema): Type {
  return avro.Type.forSchema(schema, { typeHook: bigLongHook, wrapUnions: true });
}

/** Confluent-compatible id-independent fingerprint: sha256 of the Parsing Canonical Form. */
export function schemaFingerprint(schema: Schema): Buffer {
  return avro.Type.forSchema(schema, { wrapUnions: true }).fingerprint('sha256');
}
