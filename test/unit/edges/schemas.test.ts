import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { edgeFromObservation, metricFromObservation } from '../../../src/edges/merge.ts';
import { CONNECTION_TYPES } from '../../../src/edges/types.ts';
import { T0_MS } from './span-factory.ts';

const schemaUrl = (name: string): URL => new URL(`../../../schemas/${name}.avsc`, import.meta.url);
const load = (name: string): avro.Type => avro.Type.forSchema(JSON.parse(readFileSync(schemaUrl(name), 'utf8')) as avro.Schema);

/** Avro longs decode to JS numbers by default; compare on that representation. */
const asAvroValue = (row: object): Record<string, unknown> =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]));

const edge = edgeFromObservation({
  parent: 'checkout',
  child: 'postgresql:orders',
  connectionType: 'database',
  virtualChild: true,
  timestampMs: T0_MS + 5,
  durationNanos: 1_234_567n,
  error: true,
});
const metrics = metricFromObservation({
  service: 'checkout',
  operation: 'GET /cart',
  kind: 2,
  statusCode: 2,
  timestampMs: T0_MS,
  durationNanos: 42_000_000n,
  error: true,
});

describe.each([
  ['DependencyEdge', edge],
  ['SpanMetrics', metrics],
] as const)('schemas/%s.avsc', (name, row) => {
  const type = load(name);

  it('is the tailstream record named after its file', () => {
    expect(type.name).toBe(`tailstream.${name}`);
  });

  it('has exactly the fields of the TypeScript row, in the same order', () => {
    const fields = (type as avro.types.RecordType).fields.map((f) => f.name);
    expect(fields).toEqual(Object.keys(row));
  });

  it('round-trips a row built by the aggregation code', () => {
    const value = asAvroValue(row);
    expect(type.isValid(value)).toBe(true);
    expect(type.fromBuffer(type.toBuffer(value))).toEqual(value);
  });
});

describe('DependencyEdge.avsc connection types', () => {
  it('lists exactly the ConnectionType symbols and accepts nothing else', () => {
    const type = load('DependencyEdge');
    const field = (type as avro.types.RecordType).field('connectionType');
    expect((field?.type as avro.types.EnumType | undefined)?.symbols).toEqual([...CONNECTION_TYPES]);
    for (const connectionType of CONNECTION_TYPES) {
      expect(type.isValid(asAvroValue({ ...edge, connectionType }))).toBe(true);
    }
    expect(type.isValid(asAvroValue({ ...edge, connectionType: 'smtp' }))).toBe(false);
  });
});
