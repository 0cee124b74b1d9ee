-- One trace as the API reads it (Jaeger /api/traces/:id): the kept-trace records the sink
-- stored in trace_blobs (migration 009), one per record — the spans at the decision, then
-- each batch of late spans. `record`, here base64, is in the trace_blobs record format
-- (migration 014, src/serde/trace-record.ts: first byte `T`), or for rows written before
-- 014 the sampled-spans value (Confluent-framed Avro SampledTrace, first byte 0); the API
-- decodes both. A primary-key lookup of a few rows and one column. LIMIT 1 BY hides a
-- replayed copy before the replacing merge.
-- For the same trace as span rows use trace_spans_by_id.sql (the API's fallback for
-- traces stored before trace_blobs existed).
-- Params: trace_id String (32 lowercase hex).
SELECT trace_id, base64Encode(record) AS record
FROM trace_blobs
WHERE trace_id = {trace_id:String}
LIMIT 1 BY chunk_hash
