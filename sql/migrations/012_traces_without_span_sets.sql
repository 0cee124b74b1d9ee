-- `traces` without its span-id sets: span_count and error_count were uniqExact states of
-- every span id (16-byte hashes), ~16 of the ~114 bytes a span took on disk over all
-- tables, for a count only the SQL summaries in sql/queries show. Those now count the
-- spans of the few traces they return from `spans` itself (distinct span ids, as the sets
-- did, so replayed copies still count once).
--
-- The view is replaced without the two aggregates, then the columns go (a metadata change
-- that removes their files from every part). Migrations run before the sink starts, so no
-- insert falls between the DROP VIEW and the CREATE.
DROP VIEW IF EXISTS {{db}}.traces_mv
;
ALTER TABLE {{db}}.traces
    DROP COLUMN IF EXISTS span_count,
    DROP COLUMN IF EXISTS error_count
;
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.traces_mv TO {{db}}.traces AS
SELECT
    trace_id,
    min(start_time) AS start_time,
    max(end_time) AS end_time,
    max(if(parent_span_id = '', service_name, '')) AS root_service,
    max(if(parent_span_id = '', name, '')) AS root_operation,
    groupUniqArray(toString(service_name)) AS services,
    max(policy) AS policy,
    max(sample_rate) AS sample_rate,
    max(trace_error) AS trace_error
FROM {{db}}.spans
GROUP BY trace_id
;
