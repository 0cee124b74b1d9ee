-- All spans of one trace as rows of `spans` (SQL users; the API reads trace_by_id.sql and falls
-- back to this for traces without trace_blobs records); map rows with rowToSpan().
-- trace_id_ts gives the trace's time bounds first, so the spans scan touches only the
-- day partitions and primary-key ranges of that trace, then the trace_id bloom filter.
-- LIMIT 1 BY hides copies a re-batched Kafka replay wrote before the replacing merge
-- collapsed them: only rows identical in every span field (content_hash, migration 007;
-- since 013 an ALIAS of the sorting-key expression) are one span; two spans that share a
-- span id but differ (a buggy client) both show.
-- Params: trace_id String (32 lowercase hex).
WITH
    (SELECT min(start) FROM trace_id_ts WHERE trace_id = {trace_id:String}) AS lo,
    (SELECT max(end) FROM trace_id_ts WHERE trace_id = {trace_id:String}) AS hi
SELECT *
FROM spans
WHERE trace_id = {trace_id:String} AND start_time >= lo AND start_time <= hi
ORDER BY start_time, span_id
LIMIT 1 BY span_id, content_hash
