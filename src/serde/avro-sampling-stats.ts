import type { SamplingStatsRow } from '../model/sampling-stats.ts';
import { avroSerde, type AvroMapping, type AvroSerde } from './avro-serde.ts';
import type { AvroRegistry } from './registry.ts';

interface AvroRow extends Omit<SamplingStatsRow, 'windowStartMs' | 'traces' | 'tracesKept' | 'spans' | 'spansKept'> {
  windowStartMs: number | bigint;
  traces: bigint;
  tracesKept: bigint;
  spans: bigint;
  spansKept: bigint;
}

export const samplingStatsMapping: AvroMapping<SamplingStatsRow> = {
  toAvro: (r) => ({ ...r, traces: BigInt(r.traces), tracesKept: BigInt(r.tracesKept), spans: BigInt(r.spans), spansKept: BigInt(r.spansKept) }),
  fromAvro: (o) => {
    const a = o as AvroRow;
    return {
      windowStartMs: Number(a.windowStartMs),
      policy: a.policy,
      service: a.service,
      reason: a.reason,
      targetKind: a.targetKind,
      target: a.target,
      traces: Number(a.traces),
      tracesKept: Number(a.tracesKept),
      spans: Number(a.spans),
      spansKept: Number(a.spansKept),
    };
  },
};

export function samplingStatsSerde(registry: AvroRegistry): Promise<AvroSerde<SamplingStatsRow>> {
  return avroSerde('SamplingDecisions', registry, samplingStatsMapping);
}
