-- Service dependency edges per one-minute window (exact: computed before sampling), with
-- hour and day rollups fed by cascading materialized views (minute -> hour -> day).
--
-- Durations are the fixed histogram of src/edges/histogram.ts, stored sparse as
-- Map(bucket index, count): sumMap merges them exactly in any order, which sumForEach
-- cannot do as a SimpleAggregateFunction. The duration_bounds_ms placeholder is rendered from
-- DURATION_BOUNDS_MS so SQL and TypeScript share one definition; the last bucket
-- (index = length(bounds)) is the overflow bucket.
--
-- Writer retries reuse their insert_deduplication_token, and
-- deduplicate_blocks_in_dependent_materialized_views carries it into the rollups.
CREATE TABLE IF NOT EXISTS {{db}}.dependency_edges
(
    window_start DateTime('UTC'),
    parent LowCardinality(String),
    child LowCardinality(String),
    connection_type LowCardinality(String),
    virtual_child Bool,
    calls SimpleAggregateFunction(sum, UInt64),
    errors SimpleAggregateFunction(sum, UInt64),
    duration_sum_ns SimpleAggregateFunction(sum, UInt64),
    duration_buckets SimpleAggregateFunction(sumMap, Map(UInt8, UInt64))
)
ENGINE = AggregatingMergeTree
PARTITION BY toDate(window_start)
ORDER BY (window_start, parent, child, connection_type, virtual_child)
{{minute_ttl}}
SETTINGS non_replicated_deduplication_window = 10000
;
CREATE TABLE IF NOT EXISTS {{db}}.dependency_edges_1h AS {{db}}.dependency_edges
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(window_start)
ORDER BY (window_start, parent, child, connection_type, virtual_child)
{{hour_ttl}}
SETTINGS non_replicated_deduplication_window = 10000
;
CREATE TABLE IF NOT EXISTS {{db}}.dependency_edges_1d AS {{db}}.dependency_edges
ENGINE = AggregatingMergeTree
PARTITION BY toYear(window_start)
ORDER BY (window_start, parent, child, connection_type, virtual_child)
{{day_ttl}}
SETTINGS non_replicated_deduplication_window = 10000
;
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.dependency_edges_1h_mv TO {{db}}.dependency_edges_1h AS
SELECT
    toStartOfHour(window_start) AS window_start, parent, child, connection_type, virtual_child,
    sum(calls) AS calls, sum(errors) AS errors, sum(duration_sum_ns) AS duration_sum_ns,
    sumMap(duration_buckets) AS duration_buckets
FROM {{db}}.dependency_edges
GROUP BY window_start, parent, child, connection_type, virtual_child
;
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.dependency_edges_1d_mv TO {{db}}.dependency_edges_1d AS
SELECT
    toStartOfDay(window_start) AS window_start, parent, child, connection_type, virtual_child,
    sum(calls) AS calls, sum(errors) AS errors, sum(duration_sum_ns) AS duration_sum_ns,
    sumMap(duration_buckets) AS duration_buckets
FROM {{db}}.dependency_edges_1h
GROUP BY window_start, parent, child, connection_type, virtual_child
;
-- What dashboards read: SELECT * FROM dependency_graph(start = '...', end = '...').
-- [start, end) at minute resolution: whole hours come from the hour rollup, the partial
-- hours at either end from the minute table, so the answer is exact and cheap.
-- Percentiles (ms) interpolate linearly inside the bucket that holds the rank, as
-- Prometheus' histogram_quantile does; a rank in the overflow bucket reports the last bound.
CREATE VIEW IF NOT EXISTS {{db}}.dependency_graph AS
WITH
    {{duration_bounds_ms}} AS bounds,
    arrayPushFront(bounds, 0.) AS lower,
    arrayPushBack(bounds, bounds[-1]) AS upper
SELECT
    parent, child, connection_type,
    max(e_virtual) AS virtual_child,
    sum(e_calls) AS calls,
    sum(e_errors) AS errors,
    if(calls = 0, 0., errors / calls) AS error_rate,
    sum(e_duration_sum_ns) AS duration_sum_ns,
    sumMap(e_buckets) AS buckets,
    arrayMap(i -> buckets[toUInt8(i)], range(length(bounds) + 1)) AS counts,
    arrayCumSum(counts) AS cum,
    arraySum(counts) AS total,
    arrayPushFront(arrayPopBack(cum), 0) AS before,
    arrayMap(q -> arrayFirstIndex(c -> c >= q * total, cum), [0.5, 0.95, 0.99]) AS rank_bucket,
    arrayMap((q, b) -> if(total = 0, 0., lower[b] + (upper[b] - lower[b]) * (q * total - before[b]) / counts[b]),
             [0.5, 0.95, 0.99], rank_bucket) AS pct,
    pct[1] AS p50_ms,
    pct[2] AS p95_ms,
    pct[3] AS p99_ms
FROM
(
    SELECT parent, child, connection_type, virtual_child AS e_virtual, calls AS e_calls, errors AS e_errors,
           duration_sum_ns AS e_duration_sum_ns, duration_buckets AS e_buckets
    FROM {{db}}.dependency_edges
    WHERE window_start >= {start:DateTime('UTC')} AND window_start < {end:DateTime('UTC')}
      AND (window_start < toStartOfHour({start:DateTime('UTC')} + INTERVAL 3599 SECOND)
           OR window_start >= toStartOfHour({end:DateTime('UTC')}))
    UNION ALL
    SELECT parent, child, connection_type, virtual_child, calls, errors, duration_sum_ns, duration_buckets
    FROM {{db}}.dependency_edges_1h
    WHERE window_start >= toStartOfHour({start:DateTime('UTC')} + INTERVAL 3599 SECOND)
      AND window_start < toStartOfHour({end:DateTime('UTC')})
)
GROUP BY parent, child, connection_type
;
