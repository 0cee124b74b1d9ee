import { isZeroId } from './hex.ts';
import type { AnyValue, Attributes, Span } from './span.ts';

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
 * Checks one span against the OTLP invariants and the limits. Returns the first problem as
 * a reason that names the field under `path` (e.g. `span[3].spanId: 8 bytes expected, got 4`),
 * or `undefined` when the span is acceptable.
 */
export function validateSpan(span: Span, path: string, limits: SpanLimits = defaultSpanLimits): string | undefined {
  const idProblem =
    checkId(span.traceId, 16, `${path}.traceId`) ??
    checkId(span.spanId, 8, `${path}.spanId`) ??
    (span.parentSpanId === '' ? undefined : checkId(span.parentSpanId, 8, `${path}.parentSpanId`));
  if (idProblem) return idProblem;
  if (span.endTimeUnixNano < span.startTimeUnixNano) {
    return `${path}.endTimeUnixNano: ${span.endTimeUnixNano} is before startTimeUnixNano ${span.startTimeUnixNano}`;
  }
  const attrs = checkAttributes(span.attributes, `${path}.attributes`, limits);
  if (attrs) return attrs;
  if (span.events.length > limits.maxEvents) {
    return `${path}.events: ${span.events.length} events exceed the limit of ${limits.maxEvents}`;
  }
  if (span.links.length > limits.maxLinks) {
    return `${path}.links: ${span.links.length} links exceed the limit of ${limits.maxLinks}`;
  }
  for (let i = 0; i < span.events.length; i++) {
    const problem = checkAttributes((span.events[i] as Span['events'][number]).attributes, `${path}.events[${i}].attributes`, limits);
    if (problem) return problem;
  }
  for (let i = 0; i < span.links.length; i++) {
    const link = span.links[i] as Span['links'][number];
    const problem =
      checkId(link.traceId, 16, `${path}.links[${i}].traceId`) ??
      checkId(link.spanId, 8, `${path}.links[${i}].spanId`) ??
      checkAttributes(link.attributes, `${path}.links[${i}].attributes`, limits);
    if (problem) return problem;
  }
  const res = checkAttributes(span.resource.attributes, `${path}.resource.attributes`, limits);
  if (res) return res;
  const size = estimateSpanBytes(span);
  if (size > limits.maxSpanBytes) return `${path}: span of ~${size} bytes exceeds the limit of ${limits.maxSpanBytes}`;
  return undefined;
}

function checkAttributes(attrs: Attributes, path: string, limits: SpanLimits): string | undefined {
  if (attrs.length > limits.maxAttributes) {
    return `${path}: ${attrs.length} attributes exceed the limit of ${limits.maxAttributes}`;
  }
  for (const kv of attrs) {
    const problem = checkValue(kv.value, `${path}[${JSON.stringify(kv.key)}]`, limits);
    if (problem) return problem;
  }
  return undefined;
}

function checkValue(v: AnyValue, path: string, limits: SpanLimits): string | undefined {
  switch (v.type) {
    case 'string':
    case 'bytes':
      return v.value.length > limits.maxAttributeValueLength
        ? `${path}: value of length ${v.value.length} exceeds the limit of ${limits.maxAttributeValueLength}`
        : undefined;
    case 'array':
      for (let i = 0; i < v.values.length; i++) {
        const p = checkValue(v.values[i] as AnyValue, `${path}[${i}]`, limits);
        if (p) return p;
      }
      return undefined;
    case 'kvlist':
      return checkAttributes(v.values, path, limits);
    default:
      return undefined;
  }
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
