-- `spans` without a stored content_hash: the replacing key's last part (migration 007) is
-- now the hash expression itself, which ClickHouse computes when it sorts an insert and
-- when it merges, instead of a column that took 8.0 of the ~98 bytes a span cost on disk
-- (random 64-bit values, which no codec shrinks). Only rows identical in every span field
-- still collapse. `content_hash` stays readable as an ALIAS of the same expression (so
-- LIMIT 1 BY ... content_hash reads work unchanged; SELECT * no longer lists it).
--
-- A sorting key loses a column only in a new table: the rows are copied into spans_013
-- (every codec of 011 and index of 001), the two tables are exchanged (the views on spans
-- follow the name), and the old one is dropped. On a large database this copy is the
-- migration's cost: it rewrites every part of spans once, at startup, before the sink runs.
-- A run cut off part-way leaves spans_013 behind (a partial copy, or after the exchange the
-- old table): it is dropped first, so the migration runs again from the start.
DROP TABLE IF EXISTS {{db}}.spans_013 SYNC
;
CREATE TABLE {{db}}.spans_013
(
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    parent_span_id String CODEC(ZSTD(1)),
    trace_state String CODEC(ZSTD(1)),
    flags UInt32,
    name LowCardinality(String),
    kind Enum8('UNSPECIFIED' = 0, 'INTERNAL' = 1, 'SERVER' = 2, 'CLIENT' = 3, 'PRODUCER' = 4, 'CONSUMER' = 5),
    start_time DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    end_time DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    duration_ns UInt64 CODEC(T64, ZSTD(1)),
    status_code Enum8('UNSET' = 0, 'OK' = 1, 'ERROR' = 2),
    status_message String CODEC(ZSTD(1)),
    service_name LowCardinality(String),

    attributes_string Map(LowCardinality(String), String) CODEC(ZSTD(6)),
    attributes_int Map(LowCardinality(String), Int64) CODEC(ZSTD(6)),
    attributes_double Map(LowCardinality(String), Float64) CODEC(ZSTD(6)),
    attributes_bool Map(LowCardinality(String), Bool) CODEC(ZSTD(6)),
    attributes_json Map(LowCardinality(String), String) CODEC(ZSTD(6)),
    dropped_attributes_count UInt32,

    resource_attributes_string Map(LowCardinality(String), String) CODEC(ZSTD(6)),
    resource_attributes_int Map(LowCardinality(String), Int64) CODEC(ZSTD(6)),
    resource_attributes_double Map(LowCardinality(String), Float64) CODEC(ZSTD(6)),
    resource_attributes_bool Map(LowCardinality(String), Bool) CODEC(ZSTD(6)),
    resource_attributes_json Map(LowCardinality(String), String) CODEC(ZSTD(6)),
    resource_dropped_attributes_count UInt32,
    resource_schema_url LowCardinality(String),

    scope_name LowCardinality(String),
    scope_version LowCardinality(String),
    scope_attributes String CODEC(ZSTD(1)),
    scope_dropped_attributes_count UInt32,
    scope_schema_url LowCardinality(String),

    events Nested
    (
        time DateTime64(9, 'UTC'),
        name LowCardinality(String),
        attributes String,
        dropped_attributes_count UInt32
    ),
    dropped_events_count UInt32,
    links Nested
    (
        trace_id String,
        span_id String,
        trace_state String,
        flags UInt32,
        attributes String,
        dropped_attributes_count UInt32
    ),
    dropped_links_count UInt32,

    policy LowCardinality(String),
    sample_rate Float64,
    late Bool,
    has_error Bool,
    trace_error Bool,
    content_hash UInt64 ALIAS sipHash64(
        parent_span_id, trace_state, flags, name, kind, start_time, end_time, status_code, status_message, service_name,
        attributes_string, attributes_int, attributes_double, attributes_bool, attributes_json, dropped_attributes_count,
        resource_attributes_string, resource_attributes_int, resource_attributes_double, resource_attributes_bool,
        resource_attributes_json, resource_dropped_attributes_count, resource_schema_url,
        scope_name, scope_version, scope_attributes, scope_dropped_attributes_count, scope_schema_url,
        events.time, events.name, events.attributes, events.dropped_attributes_count, dropped_events_count,
        links.trace_id, links.span_id, links.trace_state, links.flags, links.attributes, links.dropped_attributes_count, dropped_links_count),

    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_duration duration_ns TYPE minmax GRANULARITY 1,
    INDEX idx_attr_keys mapKeys(attributes_string) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_values mapValues(attributes_string) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_int_keys mapKeys(attributes_int) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_keys mapKeys(resource_attributes_string) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_values mapValues(resource_attributes_string) TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplacingMergeTree
PARTITION BY toDate(start_time)
PRIMARY KEY (service_name, start_time)
ORDER BY (service_name, start_time, trace_id, span_id, sipHash64(
        parent_span_id, trace_state, flags, name, kind, start_time, end_time, status_code, status_message, service_name,
        attributes_string, attributes_int, attributes_double, attributes_bool, attributes_json, dropped_attributes_count,
        resource_attributes_string, resource_attributes_int, resource_attributes_double, resource_attributes_bool,
        resource_attributes_json, resource_dropped_attributes_count, resource_schema_url,
        scope_name, scope_version, scope_attributes, scope_dropped_attributes_count, scope_schema_url,
        events.time, events.name, events.attributes, events.dropped_attributes_count, dropped_events_count,
        links.trace_id, links.span_id, links.trace_state, links.flags, links.attributes, links.dropped_attributes_count, dropped_links_count))
{{spans_ttl}}
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 2048
;

INSERT INTO {{db}}.spans_013 SELECT * EXCEPT (content_hash) FROM {{db}}.spans
;
EXCHANGE TABLES {{db}}.spans AND {{db}}.spans_013
;
DROP TABLE {{db}}.spans_013 SYNC
;
