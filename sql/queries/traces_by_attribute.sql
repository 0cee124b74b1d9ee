-- Traces in the last N hours with a span (or its resource) carrying a string attribute
-- key = value, e.g. http.route = /checkout; newest first. The attribute filter runs on
-- spans, where the bloom filters over map keys and values skip granules; the summary
-- comes from the traces index.
-- Two steps: the newest matching trace ids, then the summary of those few only, with span
-- and error counts from `spans` as in slowest_traces.sql.
-- Params: key String, value String, hours UInt32, limit UInt32.
WITH (
    SELECT groupArray(trace_id) FROM (
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
        LIMIT {limit:UInt32})) AS ids
SELECT
    t.trace_id AS trace_id, t.trace_start AS trace_start, t.trace_end AS trace_end, t.duration_ns AS duration_ns,
    t.root_service_name AS root_service_name, t.root_operation_name AS root_operation_name,
    c.span_total AS span_total, c.error_total AS error_total
FROM (
    SELECT
        trace_id,
        min(start_time) AS trace_start,
        max(end_time) AS trace_end,
        toUnixTimestamp64Nano(trace_end) - toUnixTimestamp64Nano(trace_start) AS duration_ns,
        max(root_service) AS root_service_name,
        max(root_operation) AS root_operation_name
    FROM traces
    WHERE trace_id IN ids
    GROUP BY trace_id) AS t
LEFT JOIN (
    SELECT trace_id, uniqExact(span_id) AS span_total, uniqExactIf(span_id, has_error) AS error_total
    FROM spans
    WHERE trace_id IN ids
      AND start_time >= (SELECT min(start) FROM trace_id_ts WHERE trace_id IN ids)
      AND start_time <= (SELECT max(end) FROM trace_id_ts WHERE trace_id IN ids)
    GROUP BY trace_id) AS c USING (trace_id)
ORDER BY trace_start DESC, trace_id
