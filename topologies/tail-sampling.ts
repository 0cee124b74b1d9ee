/**
 * Tail sampling: every span of a trace meets in one task, is buffered in RocksDB until the
 * trace is complete, then the policies decide. Edges and RED metrics come from all spans.
 *
 *   raw-spans ─▶ decode-raw-spans ─┬─▶ assemble-traces ─┬─▶ sampled-spans
 *                                  ├─▶ <app>-spans-repartition ─▶ (back to assemble-traces)
 *                                  └─▶ raw-spans.dlq    ├─▶ dependency-edges
 *                                                       ├─▶ span-metrics
 *                                                       └─▶ sampling-stats ─▶ sampling-decisions
 */
import { RawSpansDecoder } from '../src/ingest/decode.ts';
import { rawSpansDecoder } from '../src/ingest/raw-spans-processor.ts';
import type { Redactor } from '../src/redaction/redactor.ts';
import { traceAssembler, type AssemblyOptions } from '../src/sampling/assembly/trace-assembler.ts';
import { samplingStats } from '../src/sampling/stats/stats-processor.ts';
import type { SamplingMetrics } from '../src/sampling/assembly/metrics.ts';
import type { SamplingConfig } from '../src/sampling/config.ts';
import type { PipelineSerdes } from '../src/serde/pipeline-serdes.ts';
import { bufferSerde, stringSerde } from '../src/serde/serde.ts';
import { Topology } from '../src/streams/topology.ts';

export const RAW_SOURCE = 'raw-spans-source';
export const DECODE = 'decode-raw-spans';
export const REPARTITION_SINK = 'spans-repartition-sink';
export const REPARTITION_SOURCE = 'spans-repartition-source';
export const DLQ_SINK = 'raw-spans-dlq-sink';
export const ASSEMBLE = 'assemble-traces';
export const SAMPLED_SINK = 'sampled-spans-sink';
export const EDGES_SINK = 'dependency-edges-sink';
export const METRICS_SINK = 'span-metrics-sink';
export const SAMPLING_STATS = 'sampling-stats';
export const SAMPLING_STATS_SINK = 'sampling-decisions-sink';

export interface TailSamplingTopics {
  readonly rawSpans: string;
  readonly deadLetter: string;
  readonly sampledSpans: string;
  readonly dependencyEdges: string;
  readonly spanMetrics: string;
  readonly samplingDecisions: string;
}

export const DEFAULT_TOPICS: TailSamplingTopics = {
  rawSpans: 'raw-spans',
  deadLetter: 'raw-spans.dlq',
  sampledSpans: 'sampled-spans',
  dependencyEdges: 'dependency-edges',
  spanMetrics: 'span-metrics',
  samplingDecisions: 'sampling-decisions',
};

export interface TailSamplingConfig {
  readonly applicationId: string;
  readonly topics: TailSamplingTopics;
  readonly sampling: SamplingConfig;
  readonly assembly: Omit<AssemblyOptions, 'sampling' | 'children'>;
  readonly serdes: PipelineSerdes;
  readonly metrics: SamplingMetrics;
  /** The `redaction:` config: spans are redacted as they are decoded, before any store or topic. */
  readonly redaction?: Redactor;
}

export const repartitionTopic = (applicationId: string): string => `${applicationId}-spans-repartition`;

export function build(config: TailSamplingConfig): Topology {
  const { topics, serdes } = config;
  const repartition = repartitionTopic(config.applicationId);
  const decoder = new RawSpansDecoder({ registry: serdes.registry, ...(config.redaction ? { redaction: config.redaction } : {}) });
  return new Topology()
    .withDeadLetterTopic(topics.deadLetter)
    .addInternalTopic(repartition)
    .addSource(RAW_SOURCE, topics.rawSpans, stringSerde, bufferSerde)
    .addProcessor(DECODE, rawSpansDecoder({ assemble: ASSEMBLE, repartition: REPARTITION_SINK, deadLetter: DLQ_SINK }, decoder, config.metrics), RAW_SOURCE)
    .addSink(DLQ_SINK, topics.deadLetter, stringSerde, bufferSerde, DECODE)
    .addSink(REPARTITION_SINK, repartition, stringSerde, serdes.spanBatch, DECODE)
    .addSource(REPARTITION_SOURCE, repartition, stringSerde, serdes.spanBatch)
    .addProcessor(
      ASSEMBLE,
      traceAssembler(
        { ...config.assembly, sampling: config.sampling, children: { sampled: SAMPLED_SINK, edges: EDGES_SINK, metrics: METRICS_SINK, stats: SAMPLING_STATS } },
        serdes.spanCodec,
        config.metrics,
      ),
      DECODE,
      REPARTITION_SOURCE,
    )
    .addSink(SAMPLED_SINK, topics.sampledSpans, stringSerde, serdes.sampledTrace, ASSEMBLE)
    .addSink(EDGES_SINK, topics.dependencyEdges, stringSerde, serdes.dependencyEdge, ASSEMBLE)
    .addSink(METRICS_SINK, topics.spanMetrics, stringSerde, serdes.spanMetrics, ASSEMBLE)
    .addProcessor(
      SAMPLING_STATS,
      samplingStats({ policies: config.sampling.policies, windowMs: config.assembly.windowMs, tickMs: config.assembly.tickMs, sink: SAMPLING_STATS_SINK }),
      ASSEMBLE,
    )
    .addSink(SAMPLING_STATS_SINK, topics.samplingDecisions, stringSerde, serdes.samplingDecisions, SAMPLING_STATS);
}
