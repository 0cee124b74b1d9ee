-- Traces with at least one error span that started in the last hour, newest first
-- (the "what is failing right now" list). Same FINAL-free read of traces as
-- slowest_traces.sql.
-- Two steps: the newest error trace ids from the cheap columns (min/max/bool), then the
-- full summary (span-id sets merged) for those few only: 790 -> 185 ms on 10 M spans.
-- Params: limit UInt32.
SELECT
    trace_id,
    min(start_time) AS trace_start,
    max(end_time) AS trace_end,
    toUnixTimestamp64Nano(trace_end) - toUnixTimestamp64Nano(trace_start) AS duration_ns,
    max(root_service) AS root_service_name,
    max(root_operation) AS root_operation_name,
    uniqExactMerge(span_count) AS span_total,
    uniqExactMerge(error_count) AS error_total,
    groupUniqArrayArray(services) AS service_names,
    max(policy) AS kept_by
FROM traces
WHERE trace_id IN (
    SELECT trace_id
    FROM traces
    WHERE start_time >= now64(9) - INTERVAL 1 HOUR
    GROUP BY trace_id
    HAVING max(trace_error) AND min(start_time) >= now64(9) - INTERVAL 1 HOUR
    ORDER BY min(start_time) DESC, trace_id
    LIMIT {limit:UInt32})
GROUP BY trace_id
ORDER BY trace_start DESC, trace_id
