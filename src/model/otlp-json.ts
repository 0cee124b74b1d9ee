import type { AnyValue, Attributes, KeyValue, Span } from './span.ts';

/**
 * The one OTLP/JSON encoder (the protobuf JSON mapping OTLP/HTTP uses): ids in hex, times as
 * decimal-string ns, int64 as decimal strings, bytes in base64, enums as numbers. Doubles are
 * JSON numbers except NaN, Infinity and -Infinity, which the mapping spells as those strings,
 * and -0, which JSON.stringify cannot write as a number: it goes as the string "-0", a form
 * the mapping accepts for every double, so the sign survives a round trip.
 */
export type OtlpJsonValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number | string }
  | { bytesValue: string }
  | { arrayValue: { values: OtlpJsonValue[] } }
  | { kvlistValue: { values: OtlpJsonKeyValue[] } }
  | Record<string, never>;

export interface OtlpJsonKeyValue {
  key: string;
  value: OtlpJsonValue;
}

export function encodeAnyValue(v: AnyValue): OtlpJsonValue {
  switch (v.type) {
    case 'string': return { stringValue: v.value };
    case 'bool': return { boolValue: v.value };
    case 'int': return { intValue: v.value.toString() };
    case 'double': return { doubleValue: encodeDouble(v.value) };
    case 'bytes': return { bytesValue: Buffer.from(v.value).toString('base64') };
    case 'array': return { arrayValue: { values: v.values.map(encodeAnyValue) } };
    case 'kvlist': return { kvlistValue: { values: encodeKeyValues(v.values) } };
    case 'empty': return {};
  }
}

/** A double as the protobuf JSON mapping writes it (see the module comment for -0). */
export function encodeDouble(d: number): number | string {
  if (Object.is(d, -0)) return '-0';
  if (Number.isFinite(d)) return d;
  return Number.isNaN(d) ? 'NaN' : d > 0 ? 'Infinity' : '-Infinity';
}

export function encodeKeyValues(attrs: Attributes): OtlpJsonKeyValue[] {
  return attrs.map((kv) => ({ key: kv.key, value: encodeAnyValue(kv.value) }));
}

/**
 * Inverse of encodeAnyValue for text this process wrote (stored attributes); untrusted input
 * goes through the validating decoder in ingest/otlp-json.ts.
 */
export function decodeAnyValue(j: OtlpJsonValue): AnyValue {
  if ('stringValue' in j) return { type: 'string', value: j.stringValue };
  if ('boolValue' in j) return { type: 'bool', value: j.boolValue };
  if ('intValue' in j) return { type: 'int', value: BigInt(j.intValue) };
  if ('doubleValue' in j) return { type: 'double', value: Number(j.doubleValue) };
  if ('bytesValue' in j) return { type: 'bytes', value: new Uint8Array(Buffer.from(j.bytesValue, 'base64')) };
  if ('arrayValue' in j) return { type: 'array', values: j.arrayValue.values.map(decodeAnyValue) };
  if ('kvlistValue' in j) return { type: 'kvlist', values: decodeKeyValues(j.kvlistValue.values) };
  return { type: 'empty' };
}

export function decodeKeyValues(kvs: readonly OtlpJsonKeyValue[]): KeyValue[] {
  return kvs.map((kv) => ({ key: kv.key, value: decodeAnyValue(kv.value) }));
}

export interface OtlpResourceSpans {
  resource: { attributes: OtlpJsonKeyValue[]; droppedAttributesCount: number };
  scopeSpans: OtlpScopeSpans[];
  schemaUrl: string;
}

export interface OtlpScopeSpans {
  scope: { name: string; version: string; attributes: OtlpJsonKeyValue[]; droppedAttributesCount: number };
  spans: unknown[];
  schemaUrl: string;
}

const resourceOf = (s: Span): OtlpResourceSpans['resource'] => ({ attributes: encodeKeyValues(s.resource.attributes), droppedAttributesCount: s.resource.droppedAttributesCount });
const scopeOf = (s: Span): OtlpScopeSpans['scope'] => ({
  name: s.scope.name, version: s.scope.version, attributes: encodeKeyValues(s.scope.attributes), droppedAttributesCount: s.scope.droppedAttributesCount,
});

/**
 * Spans as OTLP/JSON `resourceSpans` (what api_v3 returns): grouped by resource, then by
 * instrumentation scope, so an OTLP decoder reads them back unchanged.
 */
export function toResourceSpans(spans: readonly Span[]): OtlpResourceSpans[] {
  const resources = new Map<string, { rs: OtlpResourceSpans; scopes: Map<string, OtlpScopeSpans> }>();
  for (const s of spans) {
    const resource = resourceOf(s);
    const rkey = JSON.stringify([resource, s.resource.schemaUrl]);
    let r = resources.get(rkey);
    if (r === undefined) {
      r = { rs: { resource, scopeSpans: [], schemaUrl: s.resource.schemaUrl }, scopes: new Map() };
      resources.set(rkey, r);
    }
    const scope = scopeOf(s);
    const skey = JSON.stringify([scope, s.scope.schemaUrl]);
    let ss = r.scopes.get(skey);
    if (ss === undefined) {
      ss = { scope, spans: [], schemaUrl: s.scope.schemaUrl };
      r.scopes.set(skey, ss);
      r.rs.scopeSpans.push(ss);
    }
    ss.spans.push(encodeSpan(s));
  }
  return [...resources.values()].map((r) => r.rs);
}

/** One resourceSpans entry per span, as request text: simple, and exactly what the decoder must accept. */
export function encodeOtlpJson(spans: readonly Span[]): string {
  return JSON.stringify({
    resourceSpans: spans.map((s) => ({
      resource: resourceOf(s),
      schemaUrl: s.resource.schemaUrl,
      scopeSpans: [{ scope: scopeOf(s), schemaUrl: s.scope.schemaUrl, spans: [encodeSpan(s)] }],
    })),
  });
}

export function encodeSpan(s: Span): unknown {
  return {
    traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId, traceState: s.traceState, flags: s.flags,
    name: s.name, kind: s.kind,
    startTimeUnixNano: s.startTimeUnixNano.toString(), endTimeUnixNano: s.endTimeUnixNano.toString(),
    attributes: encodeKeyValues(s.attributes), droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({ timeUnixNano: e.timeUnixNano.toString(), name: e.name, attributes: encodeKeyValues(e.attributes), droppedAttributesCount: e.droppedAttributesCount })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, traceState: l.traceState, flags: l.flags, attributes: encodeKeyValues(l.attributes), droppedAttributesCount: l.droppedAttributesCount })),
    droppedLinksCount: s.droppedLinksCount,
    status: { code: s.status.code, message: s.status.message },
  };
}
