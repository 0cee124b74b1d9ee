-- `traces` and `trace_id_ts` fed from `trace_blobs` instead of `spans`: one row per
-- kept-trace record instead of one per span. The sink writes both tables from the same
-- batch, so the views see the same traces; grouping ~25 times fewer rows made the sink's
-- insert ~7 % cheaper (docs/ARCHITECTURE.md, "Decisions"). The record carries what the
-- `traces` view read from span rows: the root span's service and operation (empty when the
-- record holds no root, as in late spans), the record's services, the decision's policy
-- and rate. Rows written before this keep those columns empty; the views only see new
-- inserts.
--
-- Spans inserted into `spans` alone (not by the sink) no longer reach `traces`: the sink
-- writes `trace_blobs` beside every `spans` batch. Migrations run before the sink starts,
-- so no insert falls between a DROP VIEW and its CREATE.
ALTER TABLE {{db}}.trace_blobs
    ADD COLUMN IF NOT EXISTS root_service LowCardinality(String) AFTER trace_error,
    ADD COLUMN IF NOT EXISTS root_operation LowCardinality(String) AFTER root_service,
    ADD COLUMN IF NOT EXISTS services Array(LowCardinality(String)) AFTER root_operation,
    ADD COLUMN IF NOT EXISTS policy LowCardinality(String) AFTER services,
    ADD COLUMN IF NOT EXISTS sample_rate Float64 AFTER policy
;
DROP VIEW IF EXISTS {{db}}.traces_mv
;
CREATE MATERIALIZED VIEW {{db}}.traces_mv TO {{db}}.traces AS
SELECT
    trace_id,
    min(start_time) AS start_time,
    max(end_time) AS end_time,
    max(root_service) AS root_service,
    max(root_operation) AS root_operation,
    groupUniqArrayArray(CAST(services, 'Array(String)')) AS services,
    max(policy) AS policy,
    max(sample_rate) AS sample_rate,
    max(trace_error) AS trace_error
FROM {{db}}.trace_blobs
GROUP BY trace_id
;
DROP VIEW IF EXISTS {{db}}.trace_id_ts_mv
;
CREATE MATERIALIZED VIEW {{db}}.trace_id_ts_mv TO {{db}}.trace_id_ts AS
SELECT trace_id, min(start_time) AS start, max(end_time) AS end
FROM {{db}}.trace_blobs
GROUP BY trace_id
;
