/**
 * OTLP protobuf (`ExportTraceServiceRequest`, the Collector Kafka exporter's `otlp_proto`)
 * to model spans, and back (for responses, tests and benchmarks).
 */
import type { AnyValue, Attributes, InstrumentationScope, KeyValue, Resource, Span } from '../model/span.ts';
import { bytesToHex, hexToBytes, isZeroId } from '../model/hex.ts';
import { ExportTraceServiceRequest } from './otlp-descriptor.ts';
import { MAX_VALUE_DEPTH, tooDeep } from '../model/invariants.ts';
import type { SpanCollector } from './span-collector.ts';
import { catchFieldError, FieldError } from '../model/field-error.ts';

interface PLong { low: number; high: number }
interface PAnyValue {
  value?: string;
  stringValue: string; boolValue: boolean; intValue: PLong; doubleValue: number;
  arrayValue: { values: PAnyValue[] } | null; kvlistValue: { values: PKeyValue[] } | null; bytesValue: Uint8Array;
}
interface PKeyValue { key: string; value: PAnyValue | null }
interface PSpan {
  traceId: Uint8Array; spanId: Uint8Array; traceState: string; parentSpanId: Uint8Array; flags: number; name: string;
  kind: number; startTimeUnixNano: PLong; endTimeUnixNano: PLong; attributes: PKeyValue[]; droppedAttributesCount: number;
  events: { timeUnixNano: PLong; name: string; attributes: PKeyValue[]; droppedAttributesCount: number }[];
  droppedEventsCount: number;
  links: { traceId: Uint8Array; spanId: Uint8Array; traceState: string; attributes: PKeyValue[]; droppedAttributesCount: number; flags: number }[];
  droppedLinksCount: number; status: { message: string; code: number } | null;
}
interface PRequest {
  resourceSpans: {
    resource: { attributes: PKeyValue[]; droppedAttributesCount: number } | null;
    schemaUrl: string;
    scopeSpans: {
      scope: { name: string; version: string; attributes: PKeyValue[]; droppedAttributesCount: number } | null;
      schemaUrl: string;
      spans: PSpan[];
    }[];
  }[];
}

const u64 = (l: PLong): bigint => (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
const i64 = (l: PLong): bigint => BigInt.asIntN(64, u64(l));

/** `field` names the top-level attribute, for the reason when a value nests too deep. */
function value(v: PAnyValue | null, depth: number, field: string): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw tooDeep(field);
  switch (v?.value) {
    case 'stringValue': return { type: 'string', value: v.stringValue };
    case 'boolValue': return { type: 'bool', value: v.boolValue };
    case 'intValue': return { type: 'int', value: i64(v.intValue) };
    case 'doubleValue': return { type: 'double', value: v.doubleValue };
    case 'bytesValue': return { type: 'bytes', value: new Uint8Array(v.bytesValue) };
    case 'arrayValue': return { type: 'array', values: (v.arrayValue?.values ?? []).map((x) => value(x, depth + 1, field)) };
    case 'kvlistValue': return { type: 'kvlist', values: attrs(v.kvlistValue?.values ?? [], field, depth + 1) };
    default: return { type: 'empty' };
  }
}

function attrs(kvs: PKeyValue[], field: string, depth = 1): KeyValue[] {
  const out: KeyValue[] = new Array(kvs.length);
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i] as PKeyValue;
    out[i] = { key: kv.key, value: value(kv.value, depth, depth === 1 ? `${field}[${JSON.stringify(kv.key)}]` : field) };
  }
  return out;
}

const parentHex = (b: Uint8Array): string => (b.length === 0 ? '' : isZeroId(bytesToHex(b)) ? '' : bytesToHex(b));

/**
 * Throws (a whole-record failure) when the bytes are not a valid ExportTraceServiceRequest;
 * a span that cannot be converted (a value nested too deep) is rejected alone, and a
 * resource or scope that cannot be rejects the spans under it.
 */
export function decodeOtlpProto(bytes: Uint8Array, out: SpanCollector): void {
  const req = ExportTraceServiceRequest.decode(bytes) as unknown as PRequest;
  for (const rs of req.resourceSpans) {
    const resource = catchFieldError((): Resource => ({
      attributes: attrs(rs.resource?.attributes ?? [], 'resource.attributes'),
      droppedAttributesCount: rs.resource?.droppedAttributesCount ?? 0,
      schemaUrl: rs.schemaUrl,
    }));
    for (const ss of rs.scopeSpans) {
      const scope = catchFieldError((): InstrumentationScope => ({
        name: ss.scope?.name ?? '',
        version: ss.scope?.version ?? '',
        attributes: attrs(ss.scope?.attributes ?? [], 'scope.attributes'),
        droppedAttributesCount: ss.scope?.droppedAttributesCount ?? 0,
        schemaUrl: ss.schemaUrl,
      }));
      for (const s of ss.spans) {
        try {
          if (resource instanceof FieldError) throw resource;
          if (scope instanceof FieldError) throw scope;
          out.accept(span(s, resource, scope));
        } catch (e) {
          if (!(e instanceof FieldError)) throw e;
          out.rejectField(e, bytesToHex(s.traceId), bytesToHex(s.spanId));
        }
      }
    }
  }
}

function span(s: PSpan, resource: Resource, scope: InstrumentationScope): Span {
  return {
    traceId: bytesToHex(s.traceId),
    spanId: bytesToHex(s.spanId),
    parentSpanId: parentHex(s.parentSpanId),
    traceState: s.traceState,
    flags: s.flags >>> 0,
    name: s.name,
    kind: s.kind as Span['kind'],
    startTimeUnixNano: u64(s.startTimeUnixNano),
    endTimeUnixNano: u64(s.endTimeUnixNano),
    status: { code: (s.status?.code ?? 0) as Span['status']['code'], message: s.status?.message ?? '' },
    attributes: attrs(s.attributes, 'attributes'),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e, i) => ({
      timeUnixNano: u64(e.timeUnixNano),
      name: e.name,
      attributes: attrs(e.attributes, `events[${i}].attributes`),
      droppedAttributesCount: e.droppedAttributesCount,
    })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l, i) => ({
      traceId: bytesToHex(l.traceId),
      spanId: bytesToHex(l.spanId),
      traceState: l.traceState,
      flags: l.flags >>> 0,
      attributes: attrs(l.attributes, `links[${i}].attributes`),
      droppedAttributesCount: l.droppedAttributesCount,
    })),
    droppedLinksCount: s.droppedLinksCount,
    resource,
    scope,
  };
}

/** protobufjs accepts any `{ low, high }` for 64-bit fields. */
const toLong = (n: bigint, unsigned: boolean): PLong & { unsigned: boolean } => ({
  low: Number(BigInt.asUintN(32, n)) | 0,
  high: Number(BigInt.asUintN(32, n >> 32n)) | 0,
  unsigned,
});

function valueOut(v: AnyValue): Record<string, unknown> {
  switch (v.type) {
    case 'string': return { stringValue: v.value };
    case 'bool': return { boolValue: v.value };
    case 'int': return { intValue: toLong(v.value, false) };
    case 'double': return { doubleValue: v.value };
    case 'bytes': return { bytesValue: v.value };
    case 'array': return { arrayValue: { values: v.values.map(valueOut) } };
    case 'kvlist': return { kvlistValue: { values: attrsOut(v.values) } };
    case 'empty': return {};
  }
}

const attrsOut = (a: Attributes) => a.map((kv) => ({ key: kv.key, value: valueOut(kv.value) }));

/** One span as the protobuf message object (its resource and scope go around it). */
function spanOut(s: Span) {
  return {
    traceId: hexToBytes(s.traceId),
    spanId: hexToBytes(s.spanId),
    traceState: s.traceState,
    parentSpanId: hexToBytes(s.parentSpanId),
    flags: s.flags,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: toLong(s.startTimeUnixNano, true),
    endTimeUnixNano: toLong(s.endTimeUnixNano, true),
    attributes: attrsOut(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({ timeUnixNano: toLong(e.timeUnixNano, true), name: e.name, attributes: attrsOut(e.attributes), droppedAttributesCount: e.droppedAttributesCount })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({ traceId: hexToBytes(l.traceId), spanId: hexToBytes(l.spanId), traceState: l.traceState, attributes: attrsOut(l.attributes), droppedAttributesCount: l.droppedAttributesCount, flags: l.flags })),
    droppedLinksCount: s.droppedLinksCount,
    status: { code: s.status.code, message: s.status.message },
  };
}

interface ScopeSpansOut { scope: object; schemaUrl: string; spans: ReturnType<typeof spanOut>[] }

/**
 * Model spans → ExportTraceServiceRequest bytes (for responses, tests and benchmarks).
 * Consecutive spans sharing one resource object share one ResourceSpans, and within it
 * consecutive spans sharing one scope object one ScopeSpans, as an SDK's exporter sends
 * them; spans with resource objects of their own get a ResourceSpans each. Order is kept.
 */
export function encodeOtlpProto(spans: readonly Span[]): Uint8Array {
  const resourceSpans: { resource: object; schemaUrl: string; scopeSpans: ScopeSpansOut[] }[] = [];
  let prev: Span | undefined;
  let scopes: ScopeSpansOut[] = [];
  let scope: ScopeSpansOut | undefined;
  for (const s of spans) {
    if (prev?.resource !== s.resource) {
      scopes = [];
      scope = undefined;
      const r = s.resource;
      resourceSpans.push({ resource: { attributes: attrsOut(r.attributes), droppedAttributesCount: r.droppedAttributesCount }, schemaUrl: r.schemaUrl, scopeSpans: scopes });
    }
    if (scope === undefined || prev?.scope !== s.scope) {
      const c = s.scope;
      scope = { scope: { name: c.name, version: c.version, attributes: attrsOut(c.attributes), droppedAttributesCount: c.droppedAttributesCount }, schemaUrl: c.schemaUrl, spans: [] };
      scopes.push(scope);
    }
    scope.spans.push(spanOut(s));
    prev = s;
  }
  return ExportTraceServiceRequest.encode({ resourceSpans }).finish();
}
