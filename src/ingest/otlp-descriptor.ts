/**
 * The OTLP trace protos (opentelemetry-proto v1: common, resource, trace, collector/trace)
 * and google.rpc.Status, as a protobufjs JSON descriptor. Hand-written so we depend on the
 * wire format, not on @opentelemetry/otlp-transformer internals. Enums are declared as
 * int32: same varint on the wire, and the model keeps OTLP's numbers anyway.
 */
import protobuf from 'protobufjs';

const f = (type: string, id: number, rule?: 'repeated') => (rule ? { type, id, rule } : { type, id });

const descriptor = {
  nested: {
    otlp: {
      nested: {
        AnyValue: {
          oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
          fields: {
            stringValue: f('string', 1),
            boolValue: f('bool', 2),
            intValue: f('int64', 3),
            doubleValue: f('double', 4),
            arrayValue: f('ArrayValue', 5),
            kvlistValue: f('KeyValueList', 6),
            bytesValue: f('bytes', 7),
          },
        },
        ArrayValue: { fields: { values: f('AnyValue', 1, 'repeated') } },
        KeyValueList: { fields: { values: f('KeyValue', 1, 'repeated') } },
        KeyValue: { fields: { key: f('string', 1), value: f('AnyValue', 2) } },
        InstrumentationScope: {
          fields: {
            name: f('string', 1),
            version: f('string', 2),
            attributes: f('KeyValue', 3, 'repeated'),
            droppedAttributesCount: f('uint32', 4),
          },
        },
        Resource: { fields: { attributes: f('KeyValue', 1, 'repeated'), droppedAttributesCount: f('uint32', 2) } },
        ResourceSpans: {
          fields: { resource: f('Resource', 1), scopeSpans: f('ScopeSpans', 2, 'repeated'), schemaUrl: f('string', 3) },
        },
        ScopeSpans: {
          fields: { scope: f('InstrumentationScope', 1), spans: f('Span', 2, 'repeated'), schemaUrl: f('string', 3) },
        },
        Span: {
          fields: {
            traceId: f('bytes', 1),
            spanId: f('bytes', 2),
            traceState: f('string', 3),
            parentSpanId: f('bytes', 4),
            flags: f('fixed32', 16),
            name: f('string', 5),
            kind: f('int32', 6),
            startTimeUnixNano: f('fixed64', 7),
            endTimeUnixNano: f('fixed64', 8),
            attributes: f('KeyValue', 9, 'repeated'),
            droppedAttributesCount: f('uint32', 10),
            events: f('Event', 11, 'repeated'),
            droppedEventsCount: f('uint32', 12),
            links: f('Link', 13, 'repeated'),
            droppedLinksCount: f('uint32', 14),
            status: f('Status', 15),
          },
        },
        Event: {
          fields: {
            timeUnixNano: f('fixed64', 1),
            name: f('string', 2),
            attributes: f('KeyValue', 3, 'repeated'),
            droppedAttributesCount: f('uint32', 4),
          },
        },
        Link: {
          fields: {
            traceId: f('bytes', 1),
            spanId: f('bytes', 2),
            traceState: f('string', 3),
            attributes: f('KeyValue', 4, 'repeated'),
            droppedAttributesCount: f('uint32', 5),
            flags: f('fixed32', 6),
          },
        },
        Status: { fields: { message: f('string', 2), code: f('int32', 3) } },
        ExportTraceServiceRequest: { fields: { resourceSpans: f('ResourceSpans', 1, 'repeated') } },
        ExportTraceServiceResponse: { fields: { partialSuccess: f('ExportTracePartialSuccess', 1) } },
        ExportTracePartialSuccess: { fields: { rejectedSpans: f('int64', 1), errorMessage: f('string', 2) } },
        RpcStatus: { fields: { code: f('int32', 1), message: f('string', 2) } },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

/** opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest */
export const ExportTraceServiceRequest = root.lookupType('otlp.ExportTraceServiceRequest');
/** opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse */
export const ExportTraceServiceResponse = root.lookupType('otlp.ExportTraceServiceResponse');
/** google.rpc.Status without details: the OTLP/HTTP error body. */
export const RpcStatus = root.lookupType('otlp.RpcStatus');
