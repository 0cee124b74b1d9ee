import type { AnyValue, Attributes, Span, StatusCode } from '../../../src/model/span.ts';
import type { TraceView } from '../../../src/sampling/policies/types.ts';

/** Plain test values → OTLP AnyValue: bigint is an int64, number a double. */
export type Plain = string | boolean | number | bigint;

function anyValue(v: Plain): AnyValue {
  switch (typeof v) {
    case 'string':
      return { type: 'string', value: v };
    case 'boolean':
      return { type: 'bool', value: v };
    case 'bigint':
      return { type: 'int', value: v };
    default:
      return { type: 'double', value: v };
  }
}

export function attrs(o: Record<string, Plain> = {}): Attributes {
  return Object.entries(o).map(([key, v]) => ({ key, value: anyValue(v) }));
}

export interface SpanSpec {
  name?: string;
  parent?: string;
  spanId?: string;
  service?: string;
  startMs?: number;
  durationMs?: number;
  status?: StatusCode;
  traceState?: string;
  attributes?: Record<string, Plain>;
  resource?: Record<string, Plain>;
}

const BASE_NS = 1_700_000_000_000_000_000n;
const ms = (n: number): bigint => BigInt(Math.round(n * 1e6));

export function span(s: SpanSpec = {}, traceId = '0af7651916cd43dd8448eb211c80319c'): Span {
  const start = BASE_NS + ms(s.startMs ?? 0);
  const resource = { ...(s.service === undefined ? {} : { 'service.name': s.service }), ...s.resource };
  return {
    traceId,
    spanId: s.spanId ?? 'b7ad6b7169203331',
    parentSpanId: s.parent ?? '',
    traceState: s.traceState ?? '',
    flags: 1,
    name: s.name ?? 'GET /',
    kind: 2,
    startTimeUnixNano: start,
    endTimeUnixNano: start + ms(s.durationMs ?? 10),
    status: { code: s.status ?? 0, message: '' },
    attributes: attrs(s.attributes),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    resource: { attributes: attrs(resource), droppedAttributesCount: 0, schemaUrl: '' },
    scope: { name: 'test', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' },
  };
}

export function trace(specs: SpanSpec[], over: Partial<TraceView> = {}): TraceView {
  const traceId = over.traceId ?? '0af7651916cd43dd8448eb211c80319c';
  const spans = specs.map((s) => span(s, traceId));
  return { traceId, spans, spanCount: spans.length, byteSize: 200 * spans.length, firstArrivalMs: 0, lastArrivalMs: 0, ...over };
}

/** Deterministic pseudo-random 128-bit trace ids (mulberry32), so statistical tests are stable. */
export function traceIds(n: number, seed = 42): string[] {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push([next(), next(), next(), next()].map((x) => x.toString(16).padStart(8, '0')).join(''));
  }
  return out;
}
