-- The service dependency graph over [start, end): one row per parent -> child edge with
-- calls, errors, error rate and p50/p95/p99 (ms), exact (computed before sampling).
-- Reads the dependency_graph parameterized view (whole hours from the hour rollup,
-- partial hours from the minute table).
-- Params: start DateTime, end DateTime (UTC, minute resolution).
SELECT parent, child, connection_type, virtual_child, calls, errors, error_rate, p50_ms, p95_ms, p99_ms
FROM dependency_graph(start = {start:DateTime('UTC')}, end = {end:DateTime('UTC')})
ORDER BY parent, child, connection_type
