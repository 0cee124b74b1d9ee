-- Tighter codecs for the `spans` columns that compressed worst, now that trace_blobs (009)
-- holds every kept span a second time. Measured on the query bench's 1 M spans (bytes per
-- span, parts merged): resource_attributes_string 8.0 -> 1.0 and attributes_string 8.0 -> 4.5
-- with ZSTD(6) instead of ZSTD(1) (ZSTD(1) finds too little of the per-service repetition
-- in the maps' values), attributes_int 1.3 -> 0.7, duration_ns 3.4 -> 3.1 with T64 in
-- front of ZSTD. The other attribute maps are small and take the same codec as their kind.
--
-- Only the codecs change (metadata): parts written before keep theirs until a merge
-- rewrites them, and no type, key or index is touched, so the statement is the same on an
-- existing database and a fresh one.
ALTER TABLE {{db}}.spans
    MODIFY COLUMN attributes_string CODEC(ZSTD(6)),
    MODIFY COLUMN attributes_int CODEC(ZSTD(6)),
    MODIFY COLUMN attributes_double CODEC(ZSTD(6)),
    MODIFY COLUMN attributes_bool CODEC(ZSTD(6)),
    MODIFY COLUMN attributes_json CODEC(ZSTD(6)),
    MODIFY COLUMN resource_attributes_string CODEC(ZSTD(6)),
    MODIFY COLUMN resource_attributes_int CODEC(ZSTD(6)),
    MODIFY COLUMN resource_attributes_double CODEC(ZSTD(6)),
    MODIFY COLUMN resource_attributes_bool CODEC(ZSTD(6)),
    MODIFY COLUMN resource_attributes_json CODEC(ZSTD(6)),
    MODIFY COLUMN duration_ns CODEC(T64, ZSTD(1))
;
