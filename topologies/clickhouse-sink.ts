/**
 * ClickHouse sink: the pipeline's outputs into their tables. One task per partition of the
 * three co-partitioned topics; the sink processor batches rows per table and inserts them
 * in its commit hook, so offsets are committed only after ClickHouse acknowledged.
 *
 *   sampled-spans ─────▶ sampled-spans-source ─────┐
 *   dependency-edges ──▶ dependency-edges-source ──┼─▶ clickhouse-sink ─▶ spans, dependency_edges, span_metrics
 *   span-metrics ──────▶ span-metrics-source ──────┤        (+ trace_blobs; traces, trace_id_ts and rollups by views)
 *   sampling-decisions ▶ sampling-decisions-source ┘        sampling_decisions
 */
import type { MetricsRegistry } from '../src/metrics/registry.ts';
import { sinkMetrics } from '../src/sink/sink-metrics.ts';
import { DEFAULT_TOPICS, type SinkTopics } from '../src/model/topics.ts';
import { clickHouseSink, type ClickHouseSinkOptions } from '../src/sink/sink-processor.ts';
import type { PipelineSerdes } from '../src/serde/pipeline-serdes.ts';
import { stringSerde } from '../src/serde/serde.ts';
import { Topology } from '../src/streams/topology.ts';
import { createLogger } from '../src/util/log.ts';

export const SAMPLED_SOURCE = 'sampled-spans-source';
export const EDGES_SOURCE = 'dependency-edges-source';
export const METRICS_SOURCE = 'span-metrics-source';
export const DECISIONS_SOURCE = 'sampling-decisions-source';
export const CLICKHOUSE_SINK = 'clickhouse-sink';

export const DEFAULT_SINK_TOPICS: SinkTopics = pick(DEFAULT_TOPICS);

export interface ClickHouseSinkConfig extends Omit<ClickHouseSinkOptions, 'topics' | 'metrics'> {
  /** The sink's consumer group (used here only to name its logs). */
  readonly applicationId?: string;
  /** Only the sink topics are read; a wider topics object (the pipeline's) is fine. */
  readonly topics: SinkTopics;
  readonly serdes: Pick<PipelineSerdes, 'sampledTrace' | 'dependencyEdge' | 'spanMetrics' | 'samplingDecisions'>;
  /** The runtime's registry: `tailstream_sink_*` series are exported next to the streams ones. */
  readonly registry: MetricsRegistry;
  /** Records that cannot be decoded or processed go here with the reason (else they are logged and skipped). */
  readonly deadLetterTopic?: string;
}

export function build(config: ClickHouseSinkConfig): Topology {
  const { applicationId, topics, serdes, registry, deadLetterTopic, ...sink } = config;
  const dlq = deadLetterTopic === undefined ? {} : { deadLetterTopic };
  const logger = sink.logger ?? createLogger(applicationId === undefined ? 'sink' : `sink.${applicationId}`);
  const options: ClickHouseSinkOptions = { ...sink, logger, metrics: sinkMetrics(registry), topics: pick(topics) };
  const topology = new Topology()
    .addSource(SAMPLED_SOURCE, topics.sampledSpans, stringSerde, serdes.sampledTrace, dlq)
    .addSource(EDGES_SOURCE, topics.dependencyEdges, stringSerde, serdes.dependencyEdge, dlq)
    .addSource(METRICS_SOURCE, topics.spanMetrics, stringSerde, serdes.spanMetrics, dlq);
  const sources = [SAMPLED_SOURCE, EDGES_SOURCE, METRICS_SOURCE];
  if (topics.samplingDecisions !== undefined) {
    topology.addSource(DECISIONS_SOURCE, topics.samplingDecisions, stringSerde, serdes.samplingDecisions, dlq);
    sources.push(DECISIONS_SOURCE);
  }
  topology.addProcessor(CLICKHOUSE_SINK, clickHouseSink(options), ...sources);
  return deadLetterTopic === undefined ? topology : topology.withDeadLetterTopic(deadLetterTopic);
}

function pick(t: SinkTopics): SinkTopics {
  return {
    sampledSpans: t.sampledSpans,
    dependencyEdges: t.dependencyEdges,
    spanMetrics: t.spanMetrics,
    ...(t.samplingDecisions === undefined ? {} : { samplingDecisions: t.samplingDecisions }),
  };
}
