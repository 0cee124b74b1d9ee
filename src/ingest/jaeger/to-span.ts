/**
 * Jaeger Thrift span → model, as the OpenTelemetry Collector's Jaeger translator does it
 * (jaegerthrift_to_traces): process → resource (`service.name` from serviceName), typed tags
 * → attributes, `span.kind` → kind, the `error` tag (then `otel.status_code`, then
 * `http.status_code`) → status, `otel.library.*` / `otel.scope.*` → scope, `w3c.tracestate`
 * → trace state, logs → events (named by their `event` field), references → parent and links.
 */
import type { AnyValue, KeyValue, Span, SpanEvent, SpanLink } from '../../model/span.ts';
import { SpanKind, StatusCode } from '../../model/span.ts';
import { FieldError } from '../../model/field-error.ts';
import { SpanRefType, TagType, type JLog, type JProcess, type JSpan, type JSpanRef, type JTag } from './thrift-structs.ts';

const hex64 = (v: bigint): string => BigInt.asUintN(64, v).toString(16).padStart(16, '0');
export const traceIdHex = (high: bigint, low: bigint): string => hex64(high) + hex64(low);
export const spanIdHex = hex64;

function required<T>(v: T | undefined, field: string): T {
  if (v === undefined) throw new FieldError(field, 'required field missing');
  return v;
}

function tagValue(t: JTag, field: string): AnyValue {
  switch (required(t.vType, `${field}.vType`)) {
    case TagType.STRING: return { type: 'string', value: t.vStr ?? '' };
    case TagType.DOUBLE: return { type: 'double', value: t.vDouble ?? 0 };
    case TagType.BOOL: return { type: 'bool', value: t.vBool ?? false };
    case TagType.LONG: return { type: 'int', value: t.vLong ?? 0n };
    case TagType.BINARY: return { type: 'bytes', value: t.vBinary ?? new Uint8Array(0) };
    default: throw new FieldError(`${field}.vType`, `one of 0..4 (STRING, DOUBLE, BOOL, LONG, BINARY) expected, got ${t.vType}`);
  }
}

/** Tags as attributes, keyed in order (a repeated key keeps its last value, as a map would). */
export function tagsToAttributes(tags: readonly JTag[] | undefined, field: string): Map<string, AnyValue> {
  const out = new Map<string, AnyValue>();
  (tags ?? []).forEach((t, i) => out.set(required(t.key, `${field}[${i}].key`), tagValue(t, `${field}[${i}]`)));
  return out;
}

const toList = (m: ReadonlyMap<string, AnyValue>): KeyValue[] => [...m].map(([key, value]) => ({ key, value }));

/** Removes and returns a tag. */
function take(m: Map<string, AnyValue>, key: string): AnyValue | undefined {
  const v = m.get(key);
  m.delete(key);
  return v;
}

const text = (v: AnyValue | undefined): string | undefined => (v === undefined ? undefined : v.type === 'string' ? v.value : v.type === 'int' ? String(v.value) : v.type === 'double' || v.type === 'bool' ? String(v.value) : undefined);

const KINDS: Readonly<Record<string, SpanKind>> = { client: SpanKind.CLIENT, server: SpanKind.SERVER, producer: SpanKind.PRODUCER, consumer: SpanKind.CONSUMER, internal: SpanKind.INTERNAL };

function spanKind(tags: Map<string, AnyValue>): SpanKind {
  const v = tags.get('span.kind');
  const kind = v?.type === 'string' ? KINDS[v.value] : undefined;
  if (kind === undefined) return SpanKind.UNSPECIFIED;
  tags.delete('span.kind');
  return kind;
}

function httpStatus(v: AnyValue | undefined, kind: SpanKind): StatusCode | undefined {
  const code = Number(text(v));
  if (!Number.isInteger(code)) return undefined;
  if (code >= 400 && code <= 499) return kind === SpanKind.SERVER ? StatusCode.UNSET : StatusCode.ERROR;
  return code >= 100 && code < 400 ? StatusCode.UNSET : StatusCode.ERROR;
}

/** The translator's order: a true `error` tag wins, then `otel.status_code`, then the HTTP status. */
function status(tags: Map<string, AnyValue>, kind: SpanKind): Span['status'] {
  const error = tags.get('error');
  if (error?.type === 'bool' && error.value) {
    tags.delete('error');
    tags.delete('otel.status_code');
    const message = text(take(tags, 'otel.status_description')) ?? text(tags.get('http.status_message')) ?? '';
    return { code: StatusCode.ERROR, message };
  }
  const otel = take(tags, 'otel.status_code');
  if (otel !== undefined) {
    const name = text(otel)?.toUpperCase();
    const code = name === 'OK' ? StatusCode.OK : name === 'ERROR' ? StatusCode.ERROR : StatusCode.UNSET;
    return { code, message: text(take(tags, 'otel.status_description')) ?? '' };
  }
  const http = httpStatus(tags.get('http.status_code'), kind);
  if (http === undefined || http === StatusCode.UNSET) return { code: StatusCode.UNSET, message: '' };
  return { code: http, message: text(tags.get('http.status_message')) ?? '' };
}

function count(tags: Map<string, AnyValue>, key: string): number {
  const v = take(tags, key);
  return v?.type === 'int' && v.value >= 0n && v.value <= 0xffffffffn ? Number(v.value) : v?.type === 'double' && Number.isInteger(v.value) ? v.value : 0;
}

function event(l: JLog, field: string): SpanEvent {
  const attrs = tagsToAttributes(l.fields, `${field}.fields`);
  const name = text(take(attrs, 'event')) ?? '';
  const dropped = count(attrs, 'otel.event.dropped_attributes_count');
  return { timeUnixNano: micros(required(l.timestamp, `${field}.timestamp`)), name, attributes: toList(attrs), droppedAttributesCount: dropped };
}

const micros = (us: bigint): bigint => us * 1000n;

const REF_NAMES: Readonly<Record<number, string>> = { [SpanRefType.CHILD_OF]: 'child_of', [SpanRefType.FOLLOWS_FROM]: 'follows_from' };

function link(ref: JSpanRef, field: string): SpanLink {
  const refType = REF_NAMES[required(ref.refType, `${field}.refType`)];
  if (refType === undefined) throw new FieldError(`${field}.refType`, `0 (CHILD_OF) or 1 (FOLLOWS_FROM) expected, got ${ref.refType}`);
  return {
    traceId: traceIdHex(required(ref.traceIdHigh, `${field}.traceIdHigh`), required(ref.traceIdLow, `${field}.traceIdLow`)),
    spanId: spanIdHex(required(ref.spanId, `${field}.spanId`)),
    traceState: '',
    flags: 0,
    attributes: [{ key: 'opentracing.ref_type', value: { type: 'string', value: refType } }],
    droppedAttributesCount: 0,
  };
}

/** Parent: `parentSpanId`, else the first CHILD_OF reference in the same trace; every other reference is a link. */
function parentAndLinks(s: JSpan, traceId: string): { parentSpanId: string; links: SpanLink[] } {
  const all = (s.references ?? []).map((r, i) => ({ ref: r, link: link(r, `references[${i}]`) }));
  let parent = s.parentSpanId !== undefined && s.parentSpanId !== 0n ? spanIdHex(s.parentSpanId) : '';
  if (parent === '') parent = all.find((r) => r.ref.refType === SpanRefType.CHILD_OF && r.link.traceId === traceId)?.link.spanId ?? '';
  const isParent = (r: (typeof all)[number]): boolean => r.ref.refType === SpanRefType.CHILD_OF && r.link.traceId === traceId && r.link.spanId === parent;
  return { parentSpanId: parent, links: all.filter((r) => !isParent(r)).map((r) => r.link) };
}

/** The resource every span of a batch shares. */
export function processResource(p: JProcess): Span['resource'] {
  const attrs = tagsToAttributes(p.tags, 'process.tags');
  attrs.set('service.name', { type: 'string', value: required(p.serviceName, 'process.serviceName') });
  return { attributes: toList(attrs), droppedAttributesCount: 0, schemaUrl: '' };
}

/** One span; throws a FieldError naming the field for a span that cannot be converted. */
export function jaegerSpanToModel(s: JSpan, resource: Span['resource']): Span {
  const traceId = traceIdHex(required(s.traceIdHigh, 'traceIdHigh'), required(s.traceIdLow, 'traceIdLow'));
  const tags = tagsToAttributes(s.tags, 'tags');
  const kind = spanKind(tags);
  const st = status(tags, kind);
  const scopeName = text(take(tags, 'otel.scope.name')) ?? text(take(tags, 'otel.library.name')) ?? '';
  const scopeVersion = text(take(tags, 'otel.scope.version')) ?? text(take(tags, 'otel.library.version')) ?? '';
  tags.delete('otel.library.name');
  tags.delete('otel.library.version');
  const traceState = text(take(tags, 'w3c.tracestate')) ?? '';
  const start = micros(required(s.startTime, 'startTime'));
  const { parentSpanId, links } = parentAndLinks(s, traceId);
  return {
    traceId,
    spanId: spanIdHex(required(s.spanId, 'spanId')),
    parentSpanId,
    traceState,
    // Jaeger's bit 1 is "sampled", as W3C's; bit 2 (debug) has no W3C counterpart.
    flags: required(s.flags, 'flags') & 1,
    name: required(s.operationName, 'operationName'),
    kind,
    startTimeUnixNano: start,
    endTimeUnixNano: start + micros(required(s.duration, 'duration')),
    status: st,
    droppedAttributesCount: count(tags, 'otel.dropped_attributes_count'),
    droppedEventsCount: count(tags, 'otel.dropped_events_count'),
    droppedLinksCount: count(tags, 'otel.dropped_links_count'),
    attributes: toList(tags),
    events: (s.logs ?? []).map((l, i) => event(l, `logs[${i}]`)),
    links,
    resource,
    scope: { name: scopeName, version: scopeVersion, attributes: [], droppedAttributesCount: 0, schemaUrl: '' },
  };
}
