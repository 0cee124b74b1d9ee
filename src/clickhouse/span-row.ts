import type { Span, SpanKind, StatusCode } from '../model/span.ts';
import { durationNanos, serviceName, StatusCode as Status } from '../model/span.ts';
import { attributesFromJson, attributesToJson, intText, joinAttributes, splitAttributes, type TypedAttributeMaps } from './attributes.ts';
import { dateTime64ToNs, nsToDateTime64 } from './time.ts';

/** Why a span is stored: the decision that kept its trace (architecture: "decisions carry reasons"). */
export interface SinkDecision {
  readonly policy: string;
  readonly sampleRate: number;
  /** The span reached the sink after its trace was decided. */
  readonly late: boolean;
  /** The trace has an error (selects the longer retention); defaults to this span's status. */
  readonly traceError?: boolean;
}

export const KIND_NAMES = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
export const STATUS_NAMES = ['UNSET', 'OK', 'ERROR'] as const;
export type KindName = (typeof KIND_NAMES)[number];
export type StatusName = (typeof STATUS_NAMES)[number];

/**
 * One `spans` row in JSONEachRow shape — the same object goes in (insert) and comes out
 * (SELECT * with output_format_json_quote_64bit_integers=1), so one type serves both ways.
 * Int64/UInt64 are decimal strings, times DateTime64(9) text, Nested columns flattened.
 */
export interface SpanRow {
  trace_id: string; span_id: string; parent_span_id: string; trace_state: string; flags: number;
  name: string; kind: KindName;
  start_time: string; end_time: string; duration_ns: string;
  status_code: StatusName; status_message: string; service_name: string;
  attributes_string: Record<string, string>; attributes_int: Record<string, string>;
  attributes_double: Record<string, number>; attributes_bool: Record<string, boolean>;
  attributes_json: Record<string, string>; dropped_attributes_count: number;
  resource_attributes_string: Record<string, string>; resource_attributes_int: Record<string, string>;
  resource_attributes_double: Record<string, number>; resource_attributes_bool: Record<string, boolean>;
  resource_attributes_json: Record<string, string>; resource_dropped_attributes_count: number;
  resource_schema_url: string;
  scope_name: string; scope_version: string; scope_attributes: string;
  scope_dropped_attributes_count: number; scope_schema_url: string;
  'events.time': string[]; 'events.name': string[]; 'events.attributes': string[];
  'events.dropped_attributes_count': number[]; dropped_events_count: number;
  'links.trace_id': string[]; 'links.span_id': string[]; 'links.trace_state': string[];
  'links.flags': number[]; 'links.attributes': string[]; 'links.dropped_attributes_count': number[];
  dropped_links_count: number;
  policy: string; sample_rate: number; late: boolean; has_error: boolean; trace_error: boolean;
}

/**
 * Map a kept span to its `spans` row. Pure; every model field has a column. `resource`
 * (the typed maps of the span's resource attributes) is for callers that map many spans of
 * one resource (ResourceMaps).
 */
export function spanToRow(span: Span, decision: SinkDecision, resource?: TypedAttributeMaps): SpanRow {
  const a = splitAttributes(span.attributes);
  const r = resource ?? splitAttributes(span.resource.attributes);
  const d = durationNanos(span);
  const hasError = span.status.code === Status.ERROR;
  const scopeAttrs = span.scope.attributes;
  const ev = span.events.length === 0 ? NO_EVENTS : eventColumns(span);
  const ln = span.links.length === 0 ? NO_LINKS : linkColumns(span);
  return {
    trace_id: span.traceId, span_id: span.spanId, parent_span_id: span.parentSpanId, trace_state: span.traceState,
    flags: span.flags, name: span.name, kind: KIND_NAMES[span.kind],
    start_time: nsToDateTime64(span.startTimeUnixNano), end_time: nsToDateTime64(span.endTimeUnixNano),
    duration_ns: d <= 0n ? '0' : intText(d),
    status_code: STATUS_NAMES[span.status.code], status_message: span.status.message, service_name: serviceName(span),
    attributes_string: a.string, attributes_int: a.int, attributes_double: a.double, attributes_bool: a.bool,
    attributes_json: a.json, dropped_attributes_count: span.droppedAttributesCount,
    resource_attributes_string: r.string, resource_attributes_int: r.int, resource_attributes_double: r.double,
    resource_attributes_bool: r.bool, resource_attributes_json: r.json,
    resource_dropped_attributes_count: span.resource.droppedAttributesCount, resource_schema_url: span.resource.schemaUrl,
    scope_name: span.scope.name, scope_version: span.scope.version, scope_attributes: scopeAttrs.length === 0 ? '[]' : attributesToJson(scopeAttrs),
    scope_dropped_attributes_count: span.scope.droppedAttributesCount, scope_schema_url: span.scope.schemaUrl,
    'events.time': ev.time, 'events.name': ev.name, 'events.attributes': ev.attributes, 'events.dropped_attributes_count': ev.dropped,
    dropped_events_count: span.droppedEventsCount,
    'links.trace_id': ln.traceId, 'links.span_id': ln.spanId, 'links.trace_state': ln.traceState,
    'links.flags': ln.flags, 'links.attributes': ln.attributes, 'links.dropped_attributes_count': ln.dropped,
    dropped_links_count: span.droppedLinksCount,
    policy: decision.policy, sample_rate: decision.sampleRate, late: decision.late,
    has_error: hasError, trace_error: decision.traceError ?? hasError,
  };
}

// Most spans have no events or links: one shared set of empty columns spares ten arrays a
// span (rows are only serialized, never mutated).
const NONE: never[] = [];
const NO_EVENTS = { time: NONE, name: NONE, attributes: NONE, dropped: NONE };
const NO_LINKS = { traceId: NONE, spanId: NONE, traceState: NONE, flags: NONE, attributes: NONE, dropped: NONE };

function eventColumns(span: Span) {
  return {
    time: span.events.map((e) => nsToDateTime64(e.timeUnixNano)),
    name: span.events.map((e) => e.name),
    attributes: span.events.map((e) => attributesToJson(e.attributes)),
    dropped: span.events.map((e) => e.droppedAttributesCount),
  };
}

function linkColumns(span: Span) {
  return {
    traceId: span.links.map((l) => l.traceId),
    spanId: span.links.map((l) => l.spanId),
    traceState: span.links.map((l) => l.traceState),
    flags: span.links.map((l) => l.flags),
    attributes: span.links.map((l) => attributesToJson(l.attributes)),
    dropped: span.links.map((l) => l.droppedAttributesCount),
  };
}

/**
 * Rebuild the model span from a row read back with `SELECT *` — what the query API
 * serves. Attribute order across value types is not preserved (keys are unique in OTLP).
 */
export function rowToSpan(row: SpanRow): Span {
  const at = <T>(xs: readonly T[], i: number): T => xs[i] as T;
  return {
    traceId: row.trace_id, spanId: row.span_id, parentSpanId: row.parent_span_id, traceState: row.trace_state,
    flags: Number(row.flags), name: row.name, kind: enumIndex(KIND_NAMES, row.kind) as SpanKind,
    startTimeUnixNano: dateTime64ToNs(row.start_time), endTimeUnixNano: dateTime64ToNs(row.end_time),
    status: { code: enumIndex(STATUS_NAMES, row.status_code) as StatusCode, message: row.status_message },
    attributes: joinAttributes({ string: row.attributes_string, int: row.attributes_int, double: row.attributes_double, bool: row.attributes_bool, json: row.attributes_json }),
    droppedAttributesCount: Number(row.dropped_attributes_count),
    events: row['events.time'].map((t, i) => ({
      timeUnixNano: dateTime64ToNs(t), name: at(row['events.name'], i),
      attributes: attributesFromJson(at(row['events.attributes'], i)),
      droppedAttributesCount: Number(at(row['events.dropped_attributes_count'], i)),
    })),
    droppedEventsCount: Number(row.dropped_events_count),
    links: row['links.trace_id'].map((traceId, i) => ({
      traceId, spanId: at(row['links.span_id'], i), traceState: at(row['links.trace_state'], i),
      flags: Number(at(row['links.flags'], i)), attributes: attributesFromJson(at(row['links.attributes'], i)),
      droppedAttributesCount: Number(at(row['links.dropped_attributes_count'], i)),
    })),
    droppedLinksCount: Number(row.dropped_links_count),
    resource: {
      attributes: joinAttributes({ string: row.resource_attributes_string, int: row.resource_attributes_int, double: row.resource_attributes_double, bool: row.resource_attributes_bool, json: row.resource_attributes_json }),
      droppedAttributesCount: Number(row.resource_dropped_attributes_count), schemaUrl: row.resource_schema_url,
    },
    scope: {
      name: row.scope_name, version: row.scope_version, attributes: attributesFromJson(row.scope_attributes),
      droppedAttributesCount: Number(row.scope_dropped_attributes_count), schemaUrl: row.scope_schema_url,
    },
  };
}

function enumIndex(names: readonly string[], name: string): number {
  const i = names.indexOf(name);
  if (i < 0) throw new RangeError(`unknown enum value ${JSON.stringify(name)}`);
  return i;
}
