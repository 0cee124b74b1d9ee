import type { DependencyEdge, SpanMetrics } from '../edges/types.ts';
import { avroSerde, type AvroMapping, type AvroSerde } from './avro-serde.ts';
import type { AvroRegistry } from './registry.ts';

/** Avro longs read as bigint (tailstream's convention); counts in the model are numbers. */
const countsToAvro = (calls: number, errors: number, buckets: readonly number[]) => ({
  calls: BigInt(calls),
  errors: BigInt(errors),
  durationBuckets: buckets.map((n) => BigInt(n)),
});

interface AvroCounts {
  calls: bigint;
  errors: bigint;
  durationSumNanos: bigint;
  durationBuckets: bigint[];
  windowStartMs: number | bigint;
}

const countsFromAvro = (o: AvroCounts) => ({
  windowStartMs: Number(o.windowStartMs),
  calls: Number(o.calls),
  errors: Number(o.errors),
  durationSumNanos: o.durationSumNanos,
  durationBuckets: o.durationBuckets.map(Number),
});

export const dependencyEdgeMapping: AvroMapping<DependencyEdge> = {
  toAvro: (e) => ({ ...e, ...countsToAvro(e.calls, e.errors, e.durationBuckets) }),
  fromAvro: (o) => {
    const a = o as AvroCounts & Pick<DependencyEdge, 'parent' | 'child' | 'connectionType' | 'virtualChild'>;
    return { parent: a.parent, child: a.child, connectionType: a.connectionType, virtualChild: a.virtualChild, ...countsFromAvro(a) };
  },
};

export const spanMetricsMapping: AvroMapping<SpanMetrics> = {
  toAvro: (m) => ({ ...m, ...countsToAvro(m.calls, m.errors, m.durationBuckets) }),
  fromAvro: (o) => {
    const a = o as AvroCounts & Pick<SpanMetrics, 'service' | 'operation' | 'kind' | 'statusCode'>;
    return { service: a.service, operation: a.operation, kind: a.kind, statusCode: a.statusCode, ...countsFromAvro(a) };
  },
};

export function dependencyEdgeSerde(registry: AvroRegistry): Promise<AvroSerde<DependencyEdge>> {
  return avroSerde('DependencyEdge', registry, dependencyEdgeMapping);
}

export function spanMetricsSerde(registry: AvroRegistry): Promise<AvroSerde<SpanMetrics>> {
  return avroSerde('SpanMetrics', registry, spanMetricsMapping);
}
