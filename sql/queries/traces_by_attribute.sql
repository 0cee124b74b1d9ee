-- Traces in the last N hours with a span (or its resource) carrying a string attribute
-- key = value, e.g. http.route = /checkout; newest first. The attribute filter runs on
-- spans, where the bloom filters over map keys and values skip granules; the summary
-- comes from the traces index.
-- Two steps: the newest matching trace ids, then the summary (span-id sets merged) for
-- those few only.
-- Params: key String, value String, hours UInt32, limit UInt32.
SELECT
    trace_id,
    min(start_time) AS trace_start,
    max(end_time) AS trace_end,
    toUnixTimestamp64Nano(trace_end) - toUnixTimestamp64Nano(trace_start) AS duration_ns,
    max(root_service) AS root_service_name,
    max(root_operation) AS root_operation_name,
    uniqExactMerge(span_count) AS span_total,
    uniqExactMerge(error_count) AS error_total
FROM traces
WHERE trace_id IN (
    SELECT trace_id
    FROM traces
    WHERE start_time >= now64(9) - toIntervalHour({hours:UInt32})
      AND trace_id IN (
          SELECT trace_id FROM spans
          WHERE start_time >= now64(9) - toIntervalHour({hours:UInt32})
            AND (attributes_string[{key:String}] = {value:String}
                 OR resource_attributes_string[{key:String}] = {value:String}))
    GROUP BY trace_id
    ORDER BY min(start_time) DESC, trace_id
    LIMIT {limit:UInt32})
GROUP BY trace_id
ORDER BY trace_start DESC, trace_id
