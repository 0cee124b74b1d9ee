-- Calls, error rate and p50/p95/p99 latency (ms) per operation of one service over
-- [start, end), from the exact pre-sampling span metrics (not from kept spans, which
-- sampling skews). Percentiles interpolate inside the shared duration buckets.
-- Params: service String, start DateTime, end DateTime (UTC, minute resolution).
SELECT service, operation, calls, errors, error_rate, p50_ms, p95_ms, p99_ms
FROM operation_latency(start = {start:DateTime('UTC')}, end = {end:DateTime('UTC')})
WHERE service = {service:String}
ORDER BY calls DESC, operation
