-- One logical row per kept trace: the search index.
--
-- Fed by a materialized view on spans rather than by the writer, because late spans of
-- a kept trace arrive in later batches (and other tasks never see the earlier spans):
-- each insert block contributes a partial row and AggregatingMergeTree merges them. Every
-- column is an idempotent or replay-safe aggregate (min, max, union of services, exact
-- distinct span ids), so a replayed batch cannot inflate counts. Readers use the
-- FINAL-free pattern: GROUP BY trace_id and merge (see sql/queries/*traces*.sql).
--
-- Root service/operation: only the root span has parent_span_id = '', every other span
-- contributes '' and max() keeps the root's value.
CREATE TABLE IF NOT EXISTS {{db}}.traces
(
    trace_id String CODEC(ZSTD(1)),
    start_time SimpleAggregateFunction(min, DateTime64(9, 'UTC')),
    end_time SimpleAggregateFunction(max, DateTime64(9, 'UTC')),
    root_service SimpleAggregateFunction(max, LowCardinality(String)),
    root_operation SimpleAggregateFunction(max, LowCardinality(String)),
    span_count AggregateFunction(uniqExact, String),
    error_count AggregateFunction(uniqExact, String),
    services SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    policy SimpleAggregateFunction(max, LowCardinality(String)),
    sample_rate SimpleAggregateFunction(max, Float64),
    trace_error SimpleAggregateFunction(max, Bool),

    INDEX idx_start start_time TYPE minmax GRANULARITY 1,
    INDEX idx_services services TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = AggregatingMergeTree
PARTITION BY toDate(start_time)
ORDER BY trace_id
{{traces_ttl}}
SETTINGS non_replicated_deduplication_window = 10000
;
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.traces_mv TO {{db}}.traces AS
SELECT
    trace_id,
    min(start_time) AS start_time,
    max(end_time) AS end_time,
    max(if(parent_span_id = '', service_name, '')) AS root_service,
    max(if(parent_span_id = '', name, '')) AS root_operation,
    uniqExactState(span_id) AS span_count,
    uniqExactStateIf(span_id, has_error) AS error_count,
    groupUniqArray(toString(service_name)) AS services,
    max(policy) AS policy,
    max(sample_rate) AS sample_rate,
    max(trace_error) AS trace_error
FROM {{db}}.spans
GROUP BY trace_id
;
