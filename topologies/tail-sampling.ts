/**
 * Tail sampling: every span of a trace meets in one task, is buffered in RocksDB (one entry
 * per input record) until the trace is complete, then the policies decide. Edges and RED
 * metrics come from all spans.
 *
 *   raw-spans ─▶ decode-raw-spans ─┬─▶ buffer-traces ─┬─▶ decide-traces ─┬─▶ sampled-spans
 *                                  ├─▶ <app>-spans-repartition ─▶ (back to buffer-traces)
 *                                  └─▶ raw-spans.dlq  ├─▶ sampled-spans (late spans of kept traces)
 *                                                     └─▶ aggregate-windows ◀─┤ (edges)
 *                                                            ├─▶ dependency-edges
 *                                                            └─▶ span-metrics
 *                                             sampling-stats ◀───────┘ (each decision) ─▶ sampling-decisions
 */
import { RawSpansDecoder } from '../src/ingest/decode.ts';
import { rawSpansDecoder } from '../src/ingest/raw-spans-processor.ts';
import { aggregateWindows } from '../src/sampling/assembly/aggregate-windows.ts';
import { bufferTraces, replayUnneeded } from '../src/sampling/assembly/buffer-traces.ts';
import { decideTraces } from '../src/sampling/assembly/decide-traces.ts';
import { samplingStats } from '../src/sampling/stats/stats-processor.ts';
import type { Redactor } from '../src/redaction/redactor.ts';
import type { PipelineTopics } from '../src/model/topics.ts';
import type { SamplingMetrics } from '../src/sampling/assembly/metrics.ts';
import { bufferChangelogOf, type AssemblyOptions } from '../src/sampling/assembly/options.ts';
import type { SamplingConfig } from '../src/sampling/config.ts';
import type { PipelineSerdes } from '../src/serde/pipeline-serdes.ts';
import { bufferSerde, stringSerde } from '../src/serde/serde.ts';
import { Topology } from '../src/streams/topology.ts';

export const RAW_SOURCE = 'raw-spans-source';
export const DECODE = 'decode-raw-spans';
export const REPARTITION_SINK = 'spans-repartition-sink';
export const REPARTITION_SOURCE = 'spans-repartition-source';
export const DLQ_SINK = 'raw-spans-dlq-sink';
export const BUFFER = 'buffer-traces';
export const DECIDE = 'decide-traces';
export const AGGREGATE = 'aggregate-windows';
export const SAMPLED_SINK = 'sampled-spans-sink';
export const EDGES_SINK = 'dependency-edges-sink';
export const METRICS_SINK = 'span-metrics-sink';
export const SAMPLING_STATS = 'sampling-stats';
export const SAMPLING_STATS_SINK = 'sampling-decisions-sink';

/** The pipeline's topic table (src/model/topics.ts): tail sampling reads raw-spans and writes the rest. */
export type TailSamplingTopics = PipelineTopics;
export { DEFAULT_TOPICS } from '../src/model/topics.ts';

export interface TailSamplingConfig {
  readonly applicationId: string;
  readonly topics: TailSamplingTopics;
  readonly sampling: SamplingConfig;
  readonly assembly: Omit<AssemblyOptions, 'sampling' | 'children'>;
  readonly serdes: PipelineSerdes;
  readonly metrics: SamplingMetrics;
  /** The `redaction:` config: spans are redacted as they are decoded, before any store or topic. */
  readonly redaction?: Redactor;
  /** Avro spans arrive as skeletons (default); false decodes each in full, as tests compare. */
  readonly arrivalSkeletons?: boolean;
}

export const repartitionTopic = (applicationId: string): string => `${applicationId}-spans-repartition`;

export function build(config: TailSamplingConfig): Topology {
  const { topics, serdes, metrics } = config;
  const repartition = repartitionTopic(config.applicationId);
  // Spans arrive as skeletons (serde/span-arrival.ts): the buffer stores their bytes and reads a few fields.
  const arrivalSkeletons = config.arrivalSkeletons ?? true;
  const decoder = new RawSpansDecoder({ registry: serdes.registry, arrivalSkeletons, ...(config.redaction ? { redaction: config.redaction } : {}) });
  const assembly: AssemblyOptions = {
    ...config.assembly,
    sampling: config.sampling,
    children: { decide: DECIDE, aggregate: AGGREGATE, sampled: SAMPLED_SINK, edges: EDGES_SINK, metrics: METRICS_SINK, stats: SAMPLING_STATS },
  };
  const topology = new Topology();
  // The input topics as the span buffer's changelog: tasks replay them from each trace's first record.
  if (bufferChangelogOf(assembly) === 'source') topology.withSourcePositions();
  return topology
    .withDeadLetterTopic(topics.deadLetter)
    .addInternalTopic(repartition)
    .addSource(RAW_SOURCE, topics.rawSpans, stringSerde, bufferSerde)
    .addProcessor(DECODE, rawSpansDecoder({ assemble: BUFFER, repartition: REPARTITION_SINK, deadLetter: DLQ_SINK, replayUnneeded: replayUnneeded(assembly) }, decoder, metrics), RAW_SOURCE)
    .addSink(DLQ_SINK, topics.deadLetter, stringSerde, bufferSerde, DECODE)
    .addSink(REPARTITION_SINK, repartition, stringSerde, serdes.spanBatch, DECODE)
    .addSource(REPARTITION_SOURCE, repartition, stringSerde, serdes.spanBatch)
    .addProcessor(BUFFER, bufferTraces(assembly, serdes.spanCodec, serdes.sampledTraceWriter, metrics), DECODE, REPARTITION_SOURCE)
    .addProcessor(DECIDE, decideTraces(assembly, serdes.spanCodec, serdes.sampledTraceWriter, metrics), BUFFER)
    .addProcessor(AGGREGATE, aggregateWindows(assembly), BUFFER, DECIDE)
    // Kept traces leave as the Avro bytes they were buffered as (SampledTraceWriter).
    .addSink(SAMPLED_SINK, topics.sampledSpans, stringSerde, bufferSerde, BUFFER, DECIDE)
    .addSink(EDGES_SINK, topics.dependencyEdges, stringSerde, serdes.dependencyEdge, AGGREGATE)
    .addSink(METRICS_SINK, topics.spanMetrics, stringSerde, serdes.spanMetrics, AGGREGATE)
    .addProcessor(
      SAMPLING_STATS,
      samplingStats({ policies: config.sampling.policies, windowMs: config.assembly.windowMs, tickMs: config.assembly.tickMs, sink: SAMPLING_STATS_SINK }),
      DECIDE,
    )
    .addSink(SAMPLING_STATS_SINK, topics.samplingDecisions, stringSerde, serdes.samplingDecisions, SAMPLING_STATS);
}
