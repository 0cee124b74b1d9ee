import type { Attributes, Span } from './span.ts';
import { encodeAnyValue, type OtlpJsonKeyValue } from '../clickhouse/attributes.ts';

/**
 * Stored spans as OTLP/JSON `resourceSpans` (what api_v3 returns): spans grouped by
 * resource, then by instrumentation scope, ids in hex, times as decimal-string ns, enums
 * as numbers — the OTLP/HTTP JSON encoding, so an OTLP decoder reads it back unchanged.
 */
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

const kvs = (a: Attributes): OtlpJsonKeyValue[] => a.map((kv) => ({ key: kv.key, value: encodeAnyValue(kv.value) }));

export function toResourceSpans(spans: readonly Span[]): OtlpResourceSpans[] {
  const resources = new Map<string, { rs: OtlpResourceSpans; scopes: Map<string, OtlpScopeSpans> }>();
  for (const s of spans) {
    const resource = { attributes: kvs(s.resource.attributes), droppedAttributesCount: s.resource.droppedAttributesCount };
    const rkey = JSON.stringify([resource, s.resource.schemaUrl]);
    let r = resources.get(rkey);
    if (r === undefined) {
      r = { rs: { resource, scopeSpans: [], schemaUrl: s.resource.schemaUrl }, scopes: new Map() };
      resources.set(rkey, r);
    }
    const scope = { name: s.scope.name, version: s.scope.version, attributes: kvs(s.scope.attributes), droppedAttributesCount: s.scope.droppedAttributesCount };
    const skey = JSON.stringify([scope, s.scope.schemaUrl]);
    let ss = r.scopes.get(skey);
    if (ss === undefined) {
      ss = { scope, spans: [], schemaUrl: s.scope.schemaUrl };
      r.scopes.set(skey, ss);
      r.rs.scopeSpans.push(ss);
    }
    ss.spans.push(otlpSpan(s));
  }
  return [...resources.values()].map((r) => r.rs);
}

function otlpSpan(s: Span): unknown {
  return {
    traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId, traceState: s.traceState, flags: s.flags,
    name: s.name, kind: s.kind,
    startTimeUnixNano: s.startTimeUnixNano.toString(), endTimeUnixNano: s.endTimeUnixNano.toString(),
    attributes: kvs(s.attributes), droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({ timeUnixNano: e.timeUnixNano.toString(), name: e.name, attributes: kvs(e.attributes), droppedAttributesCount: e.droppedAttributesCount })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, traceState: l.traceState, flags: l.flags, attributes: kvs(l.attributes), droppedAttributesCount: l.droppedAttributesCount })),
    droppedLinksCount: s.droppedLinksCount,
    status: { code: s.status.code, message: s.status.message },
  };
}
