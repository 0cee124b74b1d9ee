-- trace id -> (first start, last end), so a trace-by-id read touches only the spans
-- partitions of that time range instead of probing every day's bloom filter.
-- Fed by a materialized view on spans: late spans of a trace just widen the bounds
-- (min/max states merge in any order and are idempotent under replays).
CREATE TABLE IF NOT EXISTS {{db}}.trace_id_ts
(
    trace_id String CODEC(ZSTD(1)),
    start SimpleAggregateFunction(min, DateTime64(9, 'UTC')),
    end SimpleAggregateFunction(max, DateTime64(9, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toMonday(start)
ORDER BY trace_id
{{trace_id_ts_ttl}}
SETTINGS non_replicated_deduplication_window = 10000
;
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.trace_id_ts_mv TO {{db}}.trace_id_ts AS
SELECT trace_id, min(start_time) AS start, max(end_time) AS end
FROM {{db}}.spans
GROUP BY trace_id
;
