-- What sampling did with every decided trace, per one-minute window (by decision time),
-- attributed policy, root service and completion reason, with the policy's configured
-- target (target_kind names its unit; '' = none). Hour and day rollups as for
-- dependency_edges (004); rows are partial sums from tasks, merged by the engine.
CREATE TABLE IF NOT EXISTS {{db}}.sampling_decisions
(
    window_start DateTime('UTC'),
    policy LowCardinality(String),
    service LowCardinality(String),
    reason LowCardinality(String),
    target_kind LowCardinality(String),
    target Float64,
    traces SimpleAggregateFunction(sum, UInt64),
    traces_kept SimpleAggregateFunction(sum, UInt64),
    spans SimpleAggregateFunction(sum, UInt64),
    spans_kept SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toDate(window_start)
ORDER BY (window_start, policy, service, reason, target_kind, target)
{{minute_ttl}}
SETTINGS non_replicated_deduplication_window = 10000
;
CREATE TABLE IF NOT EXISTS {{db}}.sampling_decisions_1h AS {{db}}.sampling_decisions
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(window_start)
ORDER BY (window_start, policy, service, reason, target_kind, target)
{{hour_ttl}}
SETTINGS non_replicated_deduplication_window = 10000
;
CREATE TABLE IF NOT EXISTS {{db}}.sampling_decisions_1d AS {{db}}.sampling_decisions
ENGINE = AggregatingMergeTree
PARTITION BY toYear(window_start)
ORDER BY (window_start, policy, service, reason, target_kind, target)
{{day_ttl}}
SETTINGS non_replicated_deduplication_window = 10000
;
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.sampling_decisions_1h_mv TO {{db}}.sampling_decisions_1h AS
SELECT
    toStartOfHour(window_start) AS window_start, policy, service, reason, target_kind, target,
    sum(traces) AS traces, sum(traces_kept) AS traces_kept, sum(spans) AS spans, sum(spans_kept) AS spans_kept
FROM {{db}}.sampling_decisions
GROUP BY window_start, policy, service, reason, target_kind, target
;
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.sampling_decisions_1d_mv TO {{db}}.sampling_decisions_1d AS
SELECT
    toStartOfDay(window_start) AS window_start, policy, service, reason, target_kind, target,
    sum(traces) AS traces, sum(traces_kept) AS traces_kept, sum(spans) AS spans, sum(spans_kept) AS spans_kept
FROM {{db}}.sampling_decisions_1h
GROUP BY window_start, policy, service, reason, target_kind, target
;
