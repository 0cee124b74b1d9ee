import { LATENCY_BOUNDS_MS, type Counter, type Gauge, type Histogram, type MetricsRegistry } from '../metrics/registry.ts';

/** The runtime's metrics hooks: records in/out, commits, restore progress, store sizes. */
export interface StreamsMetrics {
  readonly recordsIn: Counter;
  readonly recordsOut: Counter;
  /** Labels: app, topic, cause (deserialize | process | punctuate). */
  readonly deadLetters: Counter;
  /** Processing and punctuation errors that did not fail the task; labels: app, node, cause. */
  readonly processingErrors: Counter;
  readonly commits: Counter;
  readonly commitFailures: Counter;
  readonly commitLatencyMs: Histogram;
  readonly restoredRecords: Counter;
  readonly restoreRemaining: Gauge;
  readonly storeEntries: Gauge;
  readonly storeCacheEntries: Gauge;
  readonly storeMemoryBytes: Gauge;
  readonly tasks: Gauge;
  readonly rebalances: Counter;
  /** Batches dropped because they were fetched from past where their task reads (before a seek). */
  readonly staleBatches: Counter;
}

export function streamsMetrics(registry: MetricsRegistry): StreamsMetrics {
  return {
    recordsIn: registry.counter('tailstream_streams_records_in_total', 'Records read from source topics'),
    recordsOut: registry.counter('tailstream_streams_records_out_total', 'Records sent to sink and dead-letter topics'),
    deadLetters: registry.counter('tailstream_streams_dead_letters_total', 'Records sent to a dead-letter topic, per app, topic and cause'),
    processingErrors: registry.counter('tailstream_streams_processing_errors_total', 'Records and punctuations a processor threw on, handled without failing the task'),
    commits: registry.counter('tailstream_streams_commits_total', 'Task commits'),
    commitFailures: registry.counter('tailstream_streams_commit_failures_total', 'Commits that failed and rolled back to the last commit'),
    commitLatencyMs: registry.histogram('tailstream_streams_commit_latency_ms', 'Commit latency (flush, produce, acks, offsets)', LATENCY_BOUNDS_MS),
    restoredRecords: registry.counter('tailstream_streams_restored_records_total', 'Changelog records restored into stores'),
    restoreRemaining: registry.gauge('tailstream_streams_restore_remaining_records', 'Changelog records left to restore'),
    storeEntries: registry.gauge('tailstream_streams_store_entries', 'Approximate entries per store and task'),
    storeCacheEntries: registry.gauge('tailstream_streams_store_cache_entries', 'Uncommitted entries in the store write cache'),
    storeMemoryBytes: registry.gauge('tailstream_streams_store_memory_bytes', 'Committed entries a store holds in memory: a store rebuilt on open its resident entries (instead of RocksDB), any other the values its last commits wrote (read back without RocksDB); each bounded'),
    tasks: registry.gauge('tailstream_streams_tasks', 'Tasks owned by this instance'),
    rebalances: registry.counter('tailstream_streams_rebalances_total', 'Partition assignments received'),
    staleBatches: registry.counter('tailstream_streams_stale_batches_total', 'Fetched batches dropped because they start past where their task reads (fetched before a seek)'),
  };
}
