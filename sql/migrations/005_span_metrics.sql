-- RED metrics per service / operation / kind / status and one-minute window (exact:
-- computed before sampling), plus an hour rollup.
--
-- Quantiles come from the shared duration histogram rather than t-digest states: bucket
-- counts merge exactly across tasks and rollups, and a t-digest fed from bucket midpoints
-- would only add its own error on top of the bucket width. See 004 for the bucket layout.
CREATE TABLE IF NOT EXISTS {{db}}.span_metrics
(
    window_start DateTime('UTC'),
    service LowCardinality(String),
    operation LowCardinality(String),
    kind Enum8('UNSPECIFIED' = 0, 'INTERNAL' = 1, 'SERVER' = 2, 'CLIENT' = 3, 'PRODUCER' = 4, 'CONSUMER' = 5),
    status_code Enum8('UNSET' = 0, 'OK' = 1, 'ERROR' = 2),
    calls SimpleAggregateFunction(sum, UInt64),
    errors SimpleAggregateFunction(sum, UInt64),
    duration_sum_ns SimpleAggregateFunction(sum, UInt64),
    duration_buckets SimpleAggregateFunction(sumMap, Map(UInt8, UInt64))
)
ENGINE = AggregatingMergeTree
PARTITION BY toDate(window_start)
ORDER BY (service, window_start, operation, kind, status_code)
{{minute_ttl}}
SETTINGS non_replicated_deduplication_window = 10000
;
CREATE TABLE IF NOT EXISTS {{db}}.span_metrics_1h AS {{db}}.span_metrics
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(window_start)
ORDER BY (service, window_start, operation, kind, status_code)
{{hour_ttl}}
SETTINGS non_replicated_deduplication_window = 10000
;
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.span_metrics_1h_mv TO {{db}}.span_metrics_1h AS
SELECT
    toStartOfHour(window_start) AS window_start, service, operation, kind, status_code,
    sum(calls) AS calls, sum(errors) AS errors, sum(duration_sum_ns) AS duration_sum_ns,
    sumMap(duration_buckets) AS duration_buckets
FROM {{db}}.span_metrics
GROUP BY window_start, service, operation, kind, status_code
;
-- Latency and error rate per service and operation over [start, end): whole hours from
-- the rollup, partial hours from the minute table (same scheme and percentile
-- interpolation as dependency_graph in 004).
CREATE VIEW IF NOT EXISTS {{db}}.operation_latency AS
WITH
    {{duration_bounds_ms}} AS bounds,
    arrayPushFront(bounds, 0.) AS lower,
    arrayPushBack(bounds, bounds[-1]) AS upper
SELECT
    service, operation,
    sum(m_calls) AS calls,
    sum(m_errors) AS errors,
    if(calls = 0, 0., errors / calls) AS error_rate,
    sum(m_duration_sum_ns) AS duration_sum_ns,
    sumMap(m_buckets) AS buckets,
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
    SELECT service, operation, calls AS m_calls, errors AS m_errors, duration_sum_ns AS m_duration_sum_ns,
           duration_buckets AS m_buckets
    FROM {{db}}.span_metrics
    WHERE window_start >= {start:DateTime('UTC')} AND window_start < {end:DateTime('UTC')}
      AND (window_start < toStartOfHour({start:DateTime('UTC')} + INTERVAL 3599 SECOND)
           OR window_start >= toStartOfHour({end:DateTime('UTC')}))
    UNION ALL
    SELECT service, operation, calls, errors, duration_sum_ns, duration_buckets
    FROM {{db}}.span_metrics_1h
    WHERE window_start >= toStartOfHour({start:DateTime('UTC')} + INTERVAL 3599 SECOND)
      AND window_start < toStartOfHour({end:DateTime('UTC')})
)
GROUP BY service, operation
;
