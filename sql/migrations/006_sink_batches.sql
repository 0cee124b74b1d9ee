-- The sink's write-ahead intents: before a batch is inserted, its source range and
-- insert_deduplication_token are recorded here. After a crash between the insert and the
-- Kafka offset commit, the restarted task reads the last intent per (topic, partition,
-- table), cuts its replay at exactly that range and re-inserts it with the same token, so
-- ClickHouse drops the copy if the first insert had landed (src/sink/batch-log.ts).
--
-- One logical row per (topic, partition, table): the replacing engine keeps the highest
-- to_offset; readers use argMax, not FINAL.
CREATE TABLE IF NOT EXISTS {{db}}.sink_batches
(
    topic String,
    partition UInt32,
    table LowCardinality(String),
    from_offset UInt64,
    to_offset UInt64,
    token String,
    rows UInt64,
    recorded_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(to_offset)
ORDER BY (topic, partition, table)
SETTINGS non_replicated_deduplication_window = 10000
;
