import { describe, expect, it } from 'vitest';
import type { Schema } from 'avsc';
import { randomSpans } from '../fixtures/otel-random.ts';
import { avroSerde, sampledTraceSerde, spanBatchSerde, wireSchemaId } from '../../src/serde/avro-serde.ts';
import { loadSchemaDir } from '../../src/serde/avro-schemas.ts';
import { InProcessRegistry, UnknownSchemaIdError } from '../../src/serde/registry.ts';
import { avroType } from '../../src/serde/avro-types.ts';
import type { Span } from '../../src/model/span.ts';

describe('Avro schemas and serdes', () => {
  it('loads every schemas/*.avsc under its file name, self-contained', () => {
    const schemas = loadSchemaDir();
    for (const name of ['Span', 'SpanBatch', 'SampledTrace']) expect(schemas.has(name)).toBe(true);
    for (const [name, json] of schemas) expect(avroType(json as Schema).name).toMatch(new RegExp(`\\.${name}$`));
  });

  it('round-trips random span batches model → Avro → model exactly (300 seeds)', async () => {
    const serde = await spanBatchSerde(InProcessRegistry.fromDir());
    for (let seed = 1; seed <= 300; seed++) {
      const spans = randomSpans(seed, 1 + (seed % 7));
      expect(serde.deserialize(serde.serialize(spans)), `seed ${seed}`).toEqual(spans);
    }
  });

  it('keeps int64 extremes and ns timestamps exact', async () => {
    const serde = await spanBatchSerde(InProcessRegistry.fromDir());
    const [base] = randomSpans(7, 1) as [Span];
    const span: Span = {
      ...base,
      startTimeUnixNano: 1_700_000_000_123_456_789n,
      endTimeUnixNano: 18_446_744_073_709_551_615n >> 1n,
      attributes: [
        { key: 'max', value: { type: 'int', value: 9_223_372_036_854_775_807n } },
        { key: 'min', value: { type: 'int', value: -9_223_372_036_854_775_808n } },
        { key: 'two', value: { type: 'double', value: 2 } },
        { key: 'int-two', value: { type: 'int', value: 2n } },
      ],
    };
    expect(serde.deserialize(serde.serialize([span]))).toEqual([span]);
  });

  it('writes the Confluent wire format with a deterministic in-process id', async () => {
    const a = await spanBatchSerde(InProcessRegistry.fromDir());
    const b = await spanBatchSerde(InProcessRegistry.fromDir());
    const bytes = a.serialize(randomSpans(3, 2));
    expect(bytes[0]).toBe(0);
    expect(wireSchemaId(bytes)).toBe(a.schemaId);
    expect(b.schemaId).toBe(a.schemaId);
    const corrupt = Buffer.from(bytes);
    corrupt.writeUInt32BE(a.schemaId ^ 1, 1);
    expect(() => a.deserialize(corrupt)).toThrow(UnknownSchemaIdError);
  });

  it('round-trips SampledTrace with its decision', async () => {
    const serde = await sampledTraceSerde(InProcessRegistry.fromDir());
    const trace = {
      traceId: 'ab'.repeat(16),
      spans: randomSpans(11, 3),
      decision: { policy: 'errors', sampleRate: 0.1, reason: 'status=ERROR', late: true, decidedAtMs: 1_700_000_000_123 },
    };
    expect(serde.deserialize(serde.serialize(trace))).toEqual(trace);
  });

  describe('schema evolution: an added optional field reads both ways', () => {
    const schemas = loadSchemaDir();
    const v1 = schemas.get('SampledTrace') as Record<string, unknown>;
    const v2 = { ...v1, fields: [...(v1['fields'] as object[]), { name: 'tenant', type: ['null', 'string'], default: null }] };
    const trace = { traceId: 'cd'.repeat(16), spans: randomSpans(5, 2), decision: { policy: 'p', sampleRate: 1, reason: 'r', late: false, decidedAtMs: 5 } };

    it('old writer, new reader: the new field takes its default', async () => {
      const registry = InProcessRegistry.fromDir();
      const oldWriter = await sampledTraceSerde(registry);
      const newReader = avroType(v2 as Schema);
      const resolver = newReader.createResolver(registry.readerType('SampledTrace'));
      const read = newReader.fromBuffer(oldWriter.serialize(trace).subarray(5), resolver) as { tenant: unknown; traceId: string };
      expect(read.tenant).toBeNull();
      expect(read.traceId).toBe(trace.traceId);
    });

    it('new writer, old reader: the serde resolves the unknown-to-it field away', async () => {
      const registry = InProcessRegistry.fromDir();
      const { id, type } = registry.register(v2 as Schema);
      const raw = (await sampledTraceSerde(registry)).serialize(trace);
      const asNew = type.fromBuffer(raw.subarray(5), type.createResolver(registry.readerType('SampledTrace'))) as Record<string, unknown>;
      const body = type.toBuffer({ ...asNew, tenant: { string: 'acme' } });
      const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), body]);
      framed.writeUInt32BE(id, 1);
      const oldReader = await sampledTraceSerde(registry);
      expect(oldReader.deserialize(framed)).toEqual(trace);
    });
  });

  it('generic avroSerde exposes avsc objects with bigint longs', async () => {
    const serde = await avroSerde<{ spans: unknown[] }>('SpanBatch', InProcessRegistry.fromDir());
    expect(serde.deserialize(serde.serialize({ spans: [] }))).toEqual({ spans: [] });
  });
});
