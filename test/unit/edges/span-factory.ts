/**
 * Terse Span builder for edge tests: a call tree reads as a handful of one-line objects.
 * Side-effect free — every call returns a fresh Span, nothing is shared between tests.
 */
import { SpanKind, StatusCode } from '../../../src/model/span.ts';
import type { Attributes, Span } from '../../../src/model/span.ts';

export const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
/** 2023-11-14T22:13:20Z, a whole minute, so window arithmetic in tests stays readable. */
export const T0_MS = 1_700_000_000_000 - (1_700_000_000_000 % 60_000);

export type KindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer' | 'unspecified';

const KINDS: Record<KindName, SpanKind> = {
  unspecified: SpanKind.UNSPECIFIED,
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

export interface SpanSpec {
  /** Small number standing for the span id (rendered as 16 hex digits). */
  readonly id: number;
  readonly parent?: number;
  readonly service: string;
  readonly kind: KindName;
  readonly name?: string;
  /** Start, ms after T0_MS. */
  readonly at?: number;
  readonly durationMs?: number;
  readonly error?: boolean;
  readonly attrs?: Readonly<Record<string, string>>;
  /** Ids of spans of the same trace this span links to. */
  readonly links?: readonly number[];
  /** Trace the links point into (default: this span's own trace). */
  readonly linkTraceId?: string;
  readonly traceId?: string;
}

/** Span id of a small number, as the factory renders it. */
export const hexId = (n: number): string => n.toString(16).padStart(16, '0');

const attributes = (attrs: Readonly<Record<string, string>>): Attributes =>
  Object.entries(attrs).map(([key, value]) => ({ key, value: { type: 'string', value } }));

const MS = 1_000_000n;

export function span(spec: SpanSpec): Span {
  const traceId = spec.traceId ?? TRACE_ID;
  const start = BigInt(T0_MS + (spec.at ?? 0)) * MS;
  return {
    traceId,
    spanId: hexId(spec.id),
    parentSpanId: spec.parent === undefined ? '' : hexId(spec.parent),
    traceState: '',
    flags: 1,
    name: spec.name ?? `${spec.kind} ${spec.id}`,
    kind: KINDS[spec.kind],
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(Math.round((spec.durationMs ?? 10) * 1e6)),
    status: spec.error ? { code: StatusCode.ERROR, message: 'boom' } : { code: StatusCode.UNSET, message: '' },
    attributes: attributes(spec.attrs ?? {}),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: (spec.links ?? []).map((id) => ({
      traceId: spec.linkTraceId ?? traceId,
      spanId: hexId(id),
      traceState: '',
      flags: 1,
      attributes: [],
      droppedAttributesCount: 0,
    })),
    droppedLinksCount: 0,
    resource: { attributes: attributes({ 'service.name': spec.service }), droppedAttributesCount: 0, schemaUrl: '' },
    scope: { name: 'test', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' },
  };
}

/** Many spans at once. */
export const spans = (...specs: readonly SpanSpec[]): Span[] => specs.map(span);
