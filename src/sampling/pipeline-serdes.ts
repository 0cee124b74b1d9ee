import type { DependencyEdge, SpanMetrics } from '../edges/types.ts';
import type { SampledTrace } from '../model/sampled-trace.ts';
import type { Span } from '../model/span.ts';
import { dependencyEdgeSerde, spanMetricsSerde } from '../serde/avro-aggregates.ts';
import { sampledTraceSerde, spanBatchSerde } from '../serde/avro-serde.ts';
import type { AvroRegistry } from '../serde/registry.ts';
import type { AvroSerde } from '../serde/avro-serde.ts';
import { sampledTraceWriter, type SampledTraceWriter } from './assembly/sampled-output.ts';
import { spanCodec, type SpanCodec } from './assembly/span-codec.ts';

/** The Avro serdes of the pipeline's topics, registered once (the registry calls are async). */
export interface PipelineSerdes {
  readonly registry: AvroRegistry;
  readonly spanBatch: AvroSerde<Span[]>;
  readonly sampledTrace: AvroSerde<SampledTrace>;
  readonly dependencyEdge: AvroSerde<DependencyEdge>;
  readonly spanMetrics: AvroSerde<SpanMetrics>;
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
    spanCodec: spanCodec(registry),
    sampledTraceWriter: await sampledTraceWriter(registry, registry.readerType('Span')),
  };
}
