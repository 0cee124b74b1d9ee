-- trace_blobs records in a format of their own (src/serde/trace-record.ts) instead of the
-- sampled-spans value: what a trace's spans share (trace id, resources, scopes) is written
-- once a record, span ids as raw bytes, a parent in the same record as its index, times as
-- offsets; the per-span fields that differ in every trace (ids, times) come first in runs
-- of their own, so the rest repeats from trace to trace and ZSTD finds it again. Readers
-- tell the two apart by the first byte (`T` here, 0 for the Confluent-framed value older
-- rows hold until their TTL) and decode both.
--
-- Compression blocks of 1-4 MiB instead of 64 KiB-1 MiB give ZSTD more earlier traces to
-- match against (300 k spans: the records 32.8 -> 31.6 bytes a span). A granule (128 rows)
-- is read whole either way. Only settings change: parts written before keep their blocks
-- until a merge rewrites them, and the statement is the same on every re-run.
ALTER TABLE {{db}}.trace_blobs
    MODIFY SETTING min_compress_block_size = 1048576, max_compress_block_size = 4194304
;
