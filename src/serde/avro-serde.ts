/**
 * Avro serdes in the Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro
 * body. Writers use the local schema's registered id; readers resolve whatever writer schema
 * the id names against the local reader schema, so added optional fields read both ways.
 */
import type { Resolver, Type } from 'avsc';
import type { SampledTrace } from '../model/sampled-trace.ts';
import type { Span } from '../model/span.ts';
import { spanFromAvro, spanToAvro } from './avro-span.ts';
import { ConfluentRegistry } from './registry-confluent.ts';
import { InProcessRegistry, UnknownSchemaIdError, type AvroRegistry } from './registry.ts';
import type { Serde } from './serde.ts';
import { SerdeError } from './errors.ts';

export const MAGIC_BYTE = 0;

/** The schema id of a Confluent-framed value, or undefined when the bytes are not framed. */
export function wireSchemaId(bytes: Buffer): number | undefined {
  return bytes.length >= 5 && bytes[0] === MAGIC_BYTE ? bytes.readUInt32BE(1) : undefined;
}

/** Mapping between the model type and the plain object avsc reads and writes. */
export interface AvroMapping<T> {
  toAvro(value: T): unknown;
  fromAvro(obj: unknown): T;
}

/** A Serde whose sync `deserialize` needs the writer schema cached; `deserializeAsync` fetches it. */
export interface AvroSerde<T> extends Serde<T> {
  readonly schemaId: number;
  deserializeAsync(bytes: Buffer): Promise<T>;
}

const identity: AvroMapping<unknown> = { toAvro: (v) => v, fromAvro: (o) => o };

/** Reads Confluent-framed values of one record type, resolving older/newer writer schemas. */
export interface AvroReader<T> {
  /** Needs the writer schema cached (always true in-process); throws UnknownSchemaIdError otherwise. */
  read(bytes: Buffer): T;
  /** Fetches an unknown writer schema from the registry first. */
  readAsync(bytes: Buffer): Promise<T>;
}

export function avroReader<T>(
  recordName: string,
  registry: AvroRegistry,
  mapping: AvroMapping<T> = identity as AvroMapping<T>,
): AvroReader<T> {
  const reader = registry.readerType(recordName);
  const resolvers = new Map<number, Resolver | null>();
  const decode = (bytes: Buffer, writerType: Type, id: number): T => {
    let resolver = resolvers.get(id);
    if (resolver === undefined) {
      resolver = writerType === reader || writerType.equals(reader) ? null : reader.createResolver(writerType);
      resolvers.set(id, resolver);
    }
    const body = bytes.subarray(5);
    return mapping.fromAvro(resolver ? reader.fromBuffer(body, resolver) : reader.fromBuffer(body));
  };
  const idOf = (bytes: Buffer): number => {
    const id = wireSchemaId(bytes);
    if (id === undefined) throw new SerdeError('NOT_CONFLUENT_FRAMED', `${recordName}: not Confluent-framed Avro (magic byte 0 and schema id expected)`);
    return id;
  };
  return {
    read: (bytes) => {
      const id = idOf(bytes);
      const t = registry.cachedTypeForId(id);
      if (!t) throw new UnknownSchemaIdError(id);
      return decode(bytes, t, id);
    },
    readAsync: async (bytes) => {
      const id = idOf(bytes);
      return decode(bytes, await registry.typeForId(id), id);
    },
  };
}

/**
 * A serde for `schemas/<recordName>.avsc`. Without a mapping, values are avsc's plain objects
 * (longs as bigint, unions wrapped as `{ branch: value }`).
 */
export async function avroSerde<T>(
  recordName: string,
  registry: AvroRegistry,
  mapping: AvroMapping<T> = identity as AvroMapping<T>,
): Promise<AvroSerde<T>> {
  const writer = await registry.writerFor(recordName);
  const reader = avroReader(recordName, registry, mapping);
  const header = Buffer.alloc(5);
  header.writeUInt32BE(writer.id, 1);
  return {
    schemaId: writer.id,
    serialize: (value) => Buffer.concat([header, writer.type.toBuffer(mapping.toAvro(value))]),
    deserialize: reader.read,
    deserializeAsync: reader.readAsync,
  };
}

/** Mapping for `SpanBatch` (the value tailstream's ingest writes to raw-spans). */
export const spanBatchMapping: AvroMapping<Span[]> = {
  toAvro: (spans) => ({ spans: spans.map(spanToAvro) }),
  fromAvro: (o) => (o as { spans: unknown[] }).spans.map(spanFromAvro),
};

/**
 * `SpanBatch` read as avsc's span objects, for decoders that convert (and reject) one span
 * at a time with `spanFromAvro`, so one bad span does not fail its neighbours.
 */
export const spanBatchObjectsMapping: AvroMapping<unknown[]> = {
  toAvro: (objs) => ({ spans: objs }),
  fromAvro: (o) => (o as { spans: unknown[] }).spans,
};

/** Mapping for `SampledTrace` (the value of sampled-spans). */
export const sampledTraceMapping: AvroMapping<SampledTrace> = {
  toAvro: (t) => ({
    traceId: t.traceId,
    spans: t.spans.map(spanToAvro),
    decision: { ...t.decision, decidedAtMs: BigInt(t.decision.decidedAtMs) },
  }),
  fromAvro: (o) => {
    const a = o as { traceId: string; spans: unknown[]; decision: SampledTrace['decision'] & { decidedAtMs: bigint } };
    return {
      traceId: a.traceId,
      spans: a.spans.map(spanFromAvro),
      decision: {
        policy: a.decision.policy,
        sampleRate: a.decision.sampleRate,
        reason: a.decision.reason,
        late: a.decision.late,
        decidedAtMs: Number(a.decision.decidedAtMs),
      },
    };
  },
};

export function spanBatchSerde(registry: AvroRegistry): Promise<AvroSerde<Span[]>> {
  return avroSerde('SpanBatch', registry, spanBatchMapping);
}

export function sampledTraceSerde(registry: AvroRegistry): Promise<AvroSerde<SampledTrace>> {
  return avroSerde('SampledTrace', registry, sampledTraceMapping);
}

/** Confluent registry when a URL is configured (`SCHEMA_REGISTRY_URL`), else the in-process one. */
export function createAvroRegistry(schemaRegistryUrl?: string): AvroRegistry {
  return schemaRegistryUrl ? new ConfluentRegistry(schemaRegistryUrl) : InProcessRegistry.fromDir();
}
