/**
 * The internal span model: everything OTLP can carry, so no field is lost between what a
 * service sends and what lands in ClickHouse. Ids are lowercase hex; times are Unix ns as
 * bigint (they do not fit a double).
 */

/** OTLP AnyValue, tagged so int64 and double stay distinct. */
export type AnyValue =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'int'; readonly value: bigint }
  | { readonly type: 'double'; readonly value: number }
  | { readonly type: 'bytes'; readonly value: Uint8Array }
  | { readonly type: 'array'; readonly values: readonly AnyValue[] }
  | { readonly type: 'kvlist'; readonly values: readonly KeyValue[] }
  | { readonly type: 'empty' };

export interface KeyValue {
  readonly key: string;
  readonly value: AnyValue;
}

export type Attributes = readonly KeyValue[];

/** OTLP SpanKind numbering. */
export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

/** OTLP StatusCode numbering. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

export interface SpanEvent {
  readonly timeUnixNano: bigint;
  readonly name: string;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
}

export interface SpanLink {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceState: string;
  readonly flags: number;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
}

export interface Resource {
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly schemaUrl: string;
}

export interface InstrumentationScope {
  readonly name: string;
  readonly version: string;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly schemaUrl: string;
}

export interface Span {
  /** 32 lowercase hex chars (16 bytes), never all zero. */
  readonly traceId: string;
  /** 16 lowercase hex chars (8 bytes), never all zero. */
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly traceState: string;
  readonly flags: number;
  readonly name: string;
  readonly kind: SpanKind;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly status: { readonly code: StatusCode; readonly message: string };
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly events: readonly SpanEvent[];
  readonly droppedEventsCount: number;
  readonly links: readonly SpanLink[];
  readonly droppedLinksCount: number;
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
}

/** The `service.name` resource attribute, or OTel's documented fallback. */
export function serviceName(span: Span): string {
  const v = findAttribute(span.resource.attributes, 'service.name');
  return v?.type === 'string' && v.value !== '' ? v.value : 'unknown_service';
}

export function findAttribute(attrs: Attributes, key: string): AnyValue | undefined {
  for (const kv of attrs) if (kv.key === key) return kv.value;
  return undefined;
}

export function durationNanos(span: Span): bigint {
  return span.endTimeUnixNano - span.startTimeUnixNano;
}

export function isRoot(span: Span): boolean {
  return span.parentSpanId === '';
}
