/**
 * The one table of the pipeline's topic names: ingest writes `rawSpans`, tail sampling reads
 * it and writes the other five, the ClickHouse sink reads four. KAFKA_TOPIC_PREFIX prefixes
 * every one (config/config.ts); internal topics (repartition, changelogs) are named after
 * the application id instead.
 */
export interface PipelineTopics {
  readonly rawSpans: string;
  readonly deadLetter: string;
  readonly sampledSpans: string;
  readonly dependencyEdges: string;
  readonly spanMetrics: string;
  readonly samplingDecisions: string;
}

export const DEFAULT_TOPICS: PipelineTopics = Object.freeze({
  rawSpans: 'raw-spans',
  deadLetter: 'raw-spans.dlq',
  sampledSpans: 'sampled-spans',
  dependencyEdges: 'dependency-edges',
  spanMetrics: 'span-metrics',
  samplingDecisions: 'sampling-decisions',
});

/** The topics the ClickHouse sink reads; sampling statistics only when named (the pipeline always names them). */
export type SinkTopics = Pick<PipelineTopics, 'sampledSpans' | 'dependencyEdges' | 'spanMetrics'> & { readonly samplingDecisions?: string };

/** Every name with `prefix` in front (validated by the caller). */
export function prefixedTopics(prefix: string, t: PipelineTopics = DEFAULT_TOPICS): PipelineTopics {
  return { rawSpans: prefix + t.rawSpans, deadLetter: prefix + t.deadLetter, sampledSpans: prefix + t.sampledSpans, dependencyEdges: prefix + t.dependencyEdges, spanMetrics: prefix + t.spanMetrics, samplingDecisions: prefix + t.samplingDecisions };
}
