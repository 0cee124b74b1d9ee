-- Span identity for the replacing merge: two spans that share service, start, trace and
-- span id but differ in any field (a buggy client reusing a span id, e.g. with another
-- kind) were collapsed into one — at insert (optimize_on_insert) or by the next merge —
-- though both had been acknowledged. content_hash covers every span field (not the
-- decision columns, so a replay that landed as late still collapses) and joins the
-- sorting key: only byte-identical copies, i.e. replays, collapse now.
--
-- ClickHouse lets a sorting key grow only by a column added in the same ALTER without a
-- default; the default is set right after, so the sink's inserts (which never name the
-- column) get it computed by ClickHouse. Parts written before this migration read it
-- computed too; each of them holds one row per old key already, so their order holds.
ALTER TABLE {{db}}.spans
    ADD COLUMN IF NOT EXISTS content_hash UInt64,
    MODIFY ORDER BY (service_name, start_time, trace_id, span_id, content_hash)
;
ALTER TABLE {{db}}.spans
    MODIFY COLUMN content_hash UInt64 DEFAULT sipHash64(
        parent_span_id, trace_state, flags, name, kind, start_time, end_time, status_code, status_message, service_name,
        attributes_string, attributes_int, attributes_double, attributes_bool, attributes_json, dropped_attributes_count,
        resource_attributes_string, resource_attributes_int, resource_attributes_double, resource_attributes_bool,
        resource_attributes_json, resource_dropped_attributes_count, resource_schema_url,
        scope_name, scope_version, scope_attributes, scope_dropped_attributes_count, scope_schema_url,
        events.time, events.name, events.attributes, events.dropped_attributes_count, dropped_events_count,
        links.trace_id, links.span_id, links.trace_state, links.flags, links.attributes, links.dropped_attributes_count, dropped_links_count)
;
