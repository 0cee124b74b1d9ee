import { LATENCY_BOUNDS_MS, type Counter, type Gauge, type Histogram, type MetricsRegistry } from '../metrics/registry.ts';

/**
 * The ClickHouse sink's metrics, exported through the runtime's registry next to the
 * `tailstream_streams_*` ones. Labels: `table` on per-table series, `task` on buffers.
 */
export interface SinkMetrics {
  readonly rowsInserted: Counter;
  readonly batches: Counter;
  readonly replayedBatches: Counter;
  readonly retries: Counter;
  readonly failures: Counter;
  readonly insertLatencyMs: Histogram;
  /** 1 after an acknowledged request, 0 after one that failed for good. */
  readonly clickhouseUp: Gauge;
  readonly bufferedRows: Gauge;
}

export function sinkMetrics(registry: MetricsRegistry): SinkMetrics {
  return {
    rowsInserted: registry.counter('tailstream_sink_rows_inserted_total', 'Rows ClickHouse acknowledged, per table (replays included; deduplicated copies do not land)'),
    batches: registry.counter('tailstream_sink_batches_total', 'Batches inserted, per table'),
    replayedBatches: registry.counter('tailstream_sink_replayed_batches_total', 'Batches re-inserted with their original dedup token after a restart or failed commit'),
    retries: registry.counter('tailstream_sink_retries_total', 'ClickHouse requests retried after a retriable failure'),
    failures: registry.counter('tailstream_sink_failures_total', 'ClickHouse work that failed after its retries: the commit (or task start) fails and the input is processed again'),
    insertLatencyMs: registry.histogram('tailstream_sink_insert_latency_ms', 'Latency of one batch insert, retries included', LATENCY_BOUNDS_MS),
    clickhouseUp: registry.gauge('tailstream_sink_clickhouse_up', 'Whether the last ClickHouse request succeeded (1) or failed after its retries (0)'),
    bufferedRows: registry.gauge('tailstream_sink_buffered_rows', 'Rows waiting for the next commit, per task'),
  };
}
