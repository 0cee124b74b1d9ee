import { isZeroId } from './hex.ts';
import { checkAttributeTree, checkEnum, checkTime, checkUint32, MAX_SPAN_KIND, MAX_STATUS_CODE } from './invariants.ts';
import type { AnyValue, Attributes, Span, SpanEvent, SpanLink } from './span.ts';

/**
 * Ingest limits. The defaults follow the OTel SDK's span limits (128 attributes / events /
 * links), raised where a collector would still accept the data, plus a byte cap so one span
 * cannot blow up a RocksDB value or a Kafka message.
 */
export interface SpanLimits {
  readonly maxAttributes: number;
  /** UTF-16 code units of a string value, or bytes of a bytes value. */
  readonly maxAttributeValueLength: number;
  readonly maxEvents: number;
  readonly maxLinks: number;
  /** Estimated encoded size of the whole span (see `estimateSpanBytes`). */
  readonly maxSpanBytes: number;
}

export const defaultSpanLimits: SpanLimits = Object.freeze({
  maxAttributes: 256,
  maxAttributeValueLength: 64 * 1024,
  maxEvents: 1024,
  maxLinks: 1024,
  maxSpanBytes: 1024 * 1024,
});

const HEX_RE = /^[0-9a-f]*$/;

/** `undefined` when the id is well formed, else a reason naming the field. */
export function checkId(id: string, bytes: number, field: string): string | undefined {
  if (!HEX_RE.test(id)) return `${field}: not lowercase hex (${JSON.stringify(id.slice(0, 40))})`;
  if (id.length !== bytes * 2) {
    return id.length % 2 === 0
      ? `${field}: ${bytes} bytes expected, got ${id.length / 2}`
      : `${field}: ${bytes * 2} hex digits expected, got ${id.length}`;
  }
  if (isZeroId(id)) return `${field}: all-zero id is invalid`;
  return undefined;
}

/**
 * Checks one span against the model invariants and the limits: ids, times in [0, 2^63) with
 * end ≥ start, enums in range, uint32 counts, string lengths, attribute counts and nesting
 * depth, and size. Every decoder goes through here (via SpanCollector), so a span one door
 * rejects, every door rejects. Returns the first problem as a reason that names the field
 * under `path` (e.g. `span[3].spanId: 8 bytes expected, got 4`), or `undefined`.
 */
export function validateSpan(span: Span, path: string, limits: SpanLimits = defaultSpanLimits): string | undefined {
  return (
    checkIds(span, path) ??
    checkScalars(span, path) ??
    checkAttributeTree(span.attributes, path, 'attributes', limits) ??
    checkEvents(span, path, limits) ??
    checkLinks(span, path, limits) ??
    checkAttributeTree(span.resource.attributes, path, 'resource.attributes', limits) ??
    checkAttributeTree(span.scope.attributes, path, 'scope.attributes', limits) ??
    checkSize(span, path, limits)
  );
}

function checkIds(span: Span, path: string): string | undefined {
  return (
    checkId(span.traceId, 16, `${path}.traceId`) ??
    checkId(span.spanId, 8, `${path}.spanId`) ??
    (span.parentSpanId === '' ? undefined : checkId(span.parentSpanId, 8, `${path}.parentSpanId`))
  );
}

function checkScalars(span: Span, path: string): string | undefined {
  const problem =
    checkTime(span.startTimeUnixNano, path, 'startTimeUnixNano') ??
    checkTime(span.endTimeUnixNano, path, 'endTimeUnixNano') ??
    checkEnum(span.kind, MAX_SPAN_KIND, path, 'kind') ??
    checkEnum(span.status.code, MAX_STATUS_CODE, path, 'status.code') ??
    checkUint32(span.flags, path, 'flags') ??
    checkUint32(span.droppedAttributesCount, path, 'droppedAttributesCount') ??
    checkUint32(span.droppedEventsCount, path, 'droppedEventsCount') ??
    checkUint32(span.droppedLinksCount, path, 'droppedLinksCount');
  if (problem) return problem;
  if (span.endTimeUnixNano < span.startTimeUnixNano) {
    return `${path}.endTimeUnixNano: ${span.endTimeUnixNano} is before startTimeUnixNano ${span.startTimeUnixNano}`;
  }
  return undefined;
}

function checkEvents(span: Span, path: string, limits: SpanLimits): string | undefined {
  if (span.events.length > limits.maxEvents) {
    return `${path}.events: ${span.events.length} events exceed the limit of ${limits.maxEvents}`;
  }
  for (let i = 0; i < span.events.length; i++) {
    const e = span.events[i] as SpanEvent;
    const problem =
      checkTime(e.timeUnixNano, path, `events[${i}].timeUnixNano`) ??
      checkAttributeTree(e.attributes, path, `events[${i}].attributes`, limits);
    if (problem) return problem;
  }
  return undefined;
}

function checkLinks(span: Span, path: string, limits: SpanLimits): string | undefined {
  if (span.links.length > limits.maxLinks) {
    return `${path}.links: ${span.links.length} links exceed the limit of ${limits.maxLinks}`;
  }
  for (let i = 0; i < span.links.length; i++) {
    const link = span.links[i] as SpanLink;
    const problem =
      checkId(link.traceId, 16, `${path}.links[${i}].traceId`) ??
      checkId(link.spanId, 8, `${path}.links[${i}].spanId`) ??
      checkUint32(link.flags, path, `links[${i}].flags`) ??
      checkAttributeTree(link.attributes, path, `links[${i}].attributes`, limits);
    if (problem) return problem;
  }
  return undefined;
}

function checkSize(span: Span, path: string, limits: SpanLimits): string | undefined {
  const size = estimateSpanBytes(span);
  return size > limits.maxSpanBytes ? `${path}: span of ~${size} bytes exceeds the limit of ${limits.maxSpanBytes}` : undefined;
}

/** A cheap upper-bound-ish estimate of a span's encoded size (strings at 1 byte per unit). */
export function estimateSpanBytes(span: Span): number {
  let n = 96 + span.name.length + span.traceState.length + span.status.message.length;
  n += attrsBytes(span.attributes) + attrsBytes(span.resource.attributes) + attrsBytes(span.scope.attributes);
  for (const e of span.events) n += 16 + e.name.length + attrsBytes(e.attributes);
  for (const l of span.links) n += 40 + l.traceState.length + attrsBytes(l.attributes);
  return n;
}

function attrsBytes(attrs: Attributes): number {
  let n = 0;
  for (const kv of attrs) n += 4 + kv.key.length + valueBytes(kv.value);
  return n;
}

function valueBytes(v: AnyValue): number {
  switch (v.type) {
    case 'string':
    case 'bytes':
      return 2 + v.value.length;
    case 'array':
      return v.values.reduce((n, x) => n + valueBytes(x), 2);
    case 'kvlist':
      return 2 + attrsBytes(v.values);
    default:
      return 9;
  }
}
