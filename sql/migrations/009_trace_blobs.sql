-- One row per kept-trace record the sink receives (a trace's spans at its decision, and
-- each later record of late spans): the record's Avro bytes (schemas/SampledTrace.avsc,
-- Confluent-framed, as on sampled-spans) in one column, ordered by trace id. A trace read
-- is a primary-key lookup of a few rows and one column, instead of one `spans` granule
-- per service with every one of ~50 columns in it. `spans` stays the table for SQL.
--
-- The sink writes it beside `spans` in the same batch (same intent, token + '|blobs'),
-- so a retried or replayed batch lands once; a record replayed into another batch is the
-- same bytes, so chunk_hash is the same and the replacing merge collapses the copy
-- (readers use LIMIT 1 BY trace_id, chunk_hash until then). The bytes come in base64
-- (JSON input carries no raw bytes) and are decoded on insert.
CREATE TABLE IF NOT EXISTS {{db}}.trace_blobs
(
    trace_id String CODEC(ZSTD(1)),
    start_time DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    end_time DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    span_count UInt32,
    late Bool,
    trace_error Bool,
    record_base64 String EPHEMERAL,
    record String DEFAULT base64Decode(record_base64) CODEC(ZSTD(6)),
    chunk_hash UInt64 DEFAULT sipHash64(record)
)
ENGINE = ReplacingMergeTree
PARTITION BY toDate(start_time)
ORDER BY (trace_id, chunk_hash)
{{traces_ttl}}
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 128, index_granularity_bytes = 1048576
;
