-- Adaptive head-sampling probabilities (remote_sampling.adaptive), one row per service and
-- operation for each one-minute window of span_metrics they were computed from. Every
-- instance computes a window from the same rows (span_metrics of the window and the
-- probabilities of the previous computation) with the same pure function, so concurrent
-- computations write identical rows; the replacing engine and the dedup token keep one.
-- Every instance serves the newest window's rows: all give the same answer.
CREATE TABLE IF NOT EXISTS {{db}}.sampling_probabilities
(
    window_start DateTime('UTC'),
    service LowCardinality(String),
    operation String,
    probability Float64,
    -- Traces per second observed in the window, under the previous probability.
    qps Float64
)
ENGINE = ReplacingMergeTree
ORDER BY (window_start, service, operation)
{{minute_ttl}}
SETTINGS non_replicated_deduplication_window = 1000
;
