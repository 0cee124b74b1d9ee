import type { DependencyEdge, SpanMetrics } from '../edges/types.ts';
import type { SampledTrace } from '../model/sampled-trace.ts';
import type { Span } from '../model/span.ts';
import { dependencyEdgeSerde, spanMetricsSerde } from './avro-aggregates.ts';
import { sampledTraceSerde, spanBatchSerde } from './avro-serde.ts';
import type { AvroRegistry } from './registry.ts';
import type { AvroSerde } from './avro-serde.ts';
import { spanCodec, type SpanCodec } from './span-codec.ts';
import { samplingStatsSerde } from './avro-sampling-stats.ts';
import type { SamplingStatsRow } from '../model/sampling-stats.ts';
import { sampledTraceWriter, type SampledTraceWriter } from './sampled-trace-writer.ts';

/** The Avro serdes of the pipeline's topics, registered once (the registry calls are async). */
export interface PipelineSerdes {
  readonly registry: AvroRegistry;
  readonly spanBatch: AvroSerde<Span[]>;
  readonly sampledTrace: AvroSerde<SampledTrace>;
  readonly dependencyEdge: AvroSerde<DependencyEdge>;
  readonly spanMetrics: AvroSerde<SpanMetrics>;
  readonly samplingDecisions: AvroSerde<SamplingStatsRow>;
  readonly spanCodec: SpanCodec;
  /** `sampled-spans` values written from buffered span bytes (same bytes as `sampledTrace`). */
  readonly sampledTraceWriter: SampledTraceWriter;
}

export async function createPipelineSerdes(registry: AvroRegistry): Promise<PipelineSerdes> {
  return {
    registry,
    spanBatch: await spanBatchSerde(registry),
    sampledTrace: await sampledTraceSerde(registry),
    dependencyEdge: await dependencyEdgeSerde(registry),
    spanMetrics: await spanMetricsSerde(registry),
    samplingDecisions: await samplingStatsSerde(registry),
    spanCodec: spanCodec(registry),
    sampledTraceWriter: await sampledTraceWriter(registry, registry.readerType('Span')),
  };
}
