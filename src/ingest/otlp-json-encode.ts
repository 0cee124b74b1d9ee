/** Model spans → OTLP/JSON text (responses to tests, benchmarks, and the embedded exporter). */
import type { AnyValue, Attributes, Span } from '../model/span.ts';

function value(v: AnyValue): unknown {
  switch (v.type) {
    case 'string': return { stringValue: v.value };
    case 'bool': return { boolValue: v.value };
    case 'int': return { intValue: v.value.toString() };
    case 'double': return { doubleValue: Number.isFinite(v.value) ? v.value : String(v.value) };
    case 'bytes': return { bytesValue: Buffer.from(v.value).toString('base64') };
    case 'array': return { arrayValue: { values: v.values.map(value) } };
    case 'kvlist': return { kvlistValue: { values: attrs(v.values) } };
    case 'empty': return {};
  }
}

const attrs = (a: Attributes): unknown[] => a.map((kv) => ({ key: kv.key, value: value(kv.value) }));

/** One resourceSpans entry per span: simple, and exactly what the decoder must accept. */
export function encodeOtlpJson(spans: readonly Span[]): string {
  return JSON.stringify({
    resourceSpans: spans.map((s) => ({
      resource: { attributes: attrs(s.resource.attributes), droppedAttributesCount: s.resource.droppedAttributesCount },
      schemaUrl: s.resource.schemaUrl,
      scopeSpans: [
        {
          scope: { name: s.scope.name, version: s.scope.version, attributes: attrs(s.scope.attributes), droppedAttributesCount: s.scope.droppedAttributesCount },
          schemaUrl: s.scope.schemaUrl,
          spans: [
            {
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId,
              traceState: s.traceState,
              flags: s.flags,
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: s.startTimeUnixNano.toString(),
              endTimeUnixNano: s.endTimeUnixNano.toString(),
              attributes: attrs(s.attributes),
              droppedAttributesCount: s.droppedAttributesCount,
              events: s.events.map((e) => ({ timeUnixNano: e.timeUnixNano.toString(), name: e.name, attributes: attrs(e.attributes), droppedAttributesCount: e.droppedAttributesCount })),
              droppedEventsCount: s.droppedEventsCount,
              links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, traceState: l.traceState, flags: l.flags, attributes: attrs(l.attributes), droppedAttributesCount: l.droppedAttributesCount })),
              droppedLinksCount: s.droppedLinksCount,
              status: { code: s.status.code, message: s.status.message },
            },
          ],
        },
      ],
    })),
  });
}
