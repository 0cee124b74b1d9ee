/**
 * What the trace buffer needs of a span as it arrives, read from its Avro bytes
 * (`schemas/Span.avsc`) without avsc: ids, name, kind, times, status code, flags, dropped
 * counts and the first resource `service.name`. Everything else is walked, not built, and
 * checked only as far as `validateSpan` could refuse it (attribute counts, key and value
 * lengths, nesting depth, event and link counts, event times, link ids and flags, the size
 * estimate). A span this reader is not sure of — anything `validateSpan` or `spanFromAvro`
 * might refuse, or bytes it cannot walk — gives `undefined`, and the caller decodes that
 * span fully, so a refused span is refused by the same code with the same reason.
 */
import { MAX_SPAN_KIND, MAX_STATUS_CODE, MAX_VALUE_DEPTH, TIME_NANOS_LIMIT } from '../model/invariants.ts';
import type { KeyValue, Span } from '../model/span.ts';
import type { SpanLimits } from '../model/validate.ts';
import { LastRead, type Cursor } from './avro-cursor.ts';

/** Thrown inside the walk when the span may be refused; never leaves this module. */
const UNSURE = new Error('span left to the full decode');
const SERVICE_NAME = 'service.name';
const EMPTY_SCOPE = Object.freeze({ name: '', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' });

/**
 * validateSpan's size estimate counts at most 9 per byte of Avro (a null in an array: one
 * byte, estimated 9) plus 96, and strings at one per UTF-16 unit (never more than bytes).
 */
const ESTIMATE_PER_BYTE = 9;
const ESTIMATE_BASE = 96;

function sure(ok: boolean): void {
  if (!ok) throw UNSURE;
}

const uint32 = (n: number): number => {
  sure(n >= 0 && n <= 0xffffffff);
  return n;
};

function time(c: Cursor): bigint {
  const t = c.ulong();
  sure(t < TIME_NANOS_LIMIT);
  return t;
}

/** An event's time: only its range matters, so no bigint unless its varint is 10 bytes long. */
function skipTime(c: Cursor): void {
  const at = c.pos;
  if (c.skipVarint() < 10) {
    // Up to 63 bits of zigzag: no truncation to 64 bits, and the low bit is the sign.
    sure((c.byteAt(at) & 1) === 0);
    return;
  }
  c.pos = at;
  time(c);
}

/** An id as checkId accepts it (lowercase hex of `bytes` bytes, not all zero), checked on the bytes. */
function id(c: Cursor, bytes: number, optional = false): string {
  const len = c.skipBytes();
  if (optional && len === 0) return '';
  sure(len === 2 * bytes && c.isHexId(c.pos - len, c.pos));
  return c.ascii(c.pos - len, c.pos);
}

/** A string or bytes value no longer than the limit (UTF-16 units never outnumber UTF-8 bytes). */
function shortValue(c: Cursor, limits: SpanLimits): void {
  sure(c.skipBytes() <= limits.maxAttributeValueLength);
}

function walkValue(c: Cursor, limits: SpanLimits, depth: number): void {
  sure(depth <= MAX_VALUE_DEPTH);
  switch (c.int()) {
    case 0: return;
    case 1: case 5: return shortValue(c, limits);
    case 2: c.bool(); return;
    case 3: return c.skipLong();
    case 4: c.double(); return;
    case 6: return c.array(() => walkValue(c, limits, depth + 1));
    case 7: return walkAttributes(c, limits, depth + 1);
    default: throw UNSURE;
  }
}

function walkAttributes(c: Cursor, limits: SpanLimits, depth = 1): void {
  c.array((i) => {
    sure(i < limits.maxAttributes);
    shortValue(c, limits);
    walkValue(c, limits, depth);
  });
}

/** Resource attributes: the first `service.name` is kept when it is a string (serviceName reads no other). */
function resourceAttributes(c: Cursor, limits: SpanLimits): KeyValue[] {
  const out: KeyValue[] = [];
  let seen = false;
  c.array((i) => {
    sure(i < limits.maxAttributes);
    const at = c.pos;
    if (!seen && c.stringIs(SERVICE_NAME)) {
      seen = true;
      sure(SERVICE_NAME.length <= limits.maxAttributeValueLength);
      const branch = c.int();
      sure(branch === 1);
      const value = c.string();
      sure(value.length <= limits.maxAttributeValueLength);
      out.push({ key: SERVICE_NAME, value: { type: 'string', value } });
      return;
    }
    c.pos = at;
    shortValue(c, limits);
    walkValue(c, limits, 1);
  });
  return out;
}

/** The resource (its `service.name` only) and the fields after its attributes. Throws UNSURE where resourceAttributes does. */
function readResource(c: Cursor, limits: SpanLimits): Span['resource'] {
  const resource = { attributes: resourceAttributes(c, limits), droppedAttributesCount: 0, schemaUrl: '' };
  c.skipLong();
  c.skipBytes(); // resource.schemaUrl
  return resource;
}

/** The spans of one service carry the same resource bytes: they share its reading (checked under the same limits). */
const lastResource = new LastRead<Span['resource'], SpanLimits>();

/**
 * Reads one span at the cursor (see the file comment); the cursor is left after it. Returns
 * undefined, the cursor anywhere, when the span must be decoded fully.
 */
export function readArrivalSpan(c: Cursor, limits: SpanLimits): ArrivalSpan | undefined {
  const start = c.pos;
  try {
    const traceId = id(c, 16);
    const spanId = id(c, 8);
    const parentSpanId = id(c, 8, true);
    c.skipBytes(); // traceState
    const flags = uint32(c.int());
    const name = c.string();
    const kind = c.int();
    sure(kind >= 0 && kind <= MAX_SPAN_KIND);
    const startTimeUnixNano = time(c);
    const endTimeUnixNano = time(c);
    sure(endTimeUnixNano >= startTimeUnixNano);
    const code = c.int();
    sure(code >= 0 && code <= MAX_STATUS_CODE);
    c.skipBytes(); // status.message
    walkAttributes(c, limits);
    const droppedAttributesCount = uint32(c.int());
    c.array((i) => {
      sure(i < limits.maxEvents);
      skipTime(c);
      c.skipBytes(); // name
      walkAttributes(c, limits);
      c.skipLong();
    });
    const droppedEventsCount = uint32(c.int());
    c.array((i) => {
      sure(i < limits.maxLinks);
      id(c, 16);
      id(c, 8);
      c.skipBytes(); // traceState
      uint32(c.int());
      walkAttributes(c, limits);
      c.skipLong();
    });
    const droppedLinksCount = uint32(c.int());
    const resource = lastResource.read(c, limits, readResource);
    c.skipBytes(); // scope.name
    c.skipBytes(); // scope.version
    walkAttributes(c, limits);
    c.skipLong();
    c.skipBytes(); // scope.schemaUrl
    sure(ESTIMATE_BASE + ESTIMATE_PER_BYTE * (c.pos - start) <= limits.maxSpanBytes);
    const status = { code: code as Span['status']['code'], message: '' };
    return new ArrivalSpan(traceId, spanId, parentSpanId, flags, name, kind as Span['kind'], startTimeUnixNano, endTimeUnixNano, status, droppedAttributesCount, droppedEventsCount, droppedLinksCount, resource, c.slice(start, c.pos));
  } catch {
    return undefined;
  }
}

/**
 * A span as arrival reads it (the file comment): the fields the buffer reads, the rest
 * empty, and the Avro bytes it was read from. The bytes are a private field, not a
 * WeakMap entry: one per span made the weak tables' upkeep a visible part of each batch.
 */
export class ArrivalSpan implements Span {
  readonly traceState = '';
  readonly attributes: KeyValue[] = [];
  readonly events: Span['events'] = [];
  readonly links: Span['links'] = [];
  readonly scope: Span['scope'] = EMPTY_SCOPE;
  readonly #bytes: Buffer;

  constructor(
    readonly traceId: string,
    readonly spanId: string,
    readonly parentSpanId: string,
    readonly flags: number,
    readonly name: string,
    readonly kind: Span['kind'],
    readonly startTimeUnixNano: bigint,
    readonly endTimeUnixNano: bigint,
    readonly status: Span['status'],
    readonly droppedAttributesCount: number,
    readonly droppedEventsCount: number,
    readonly droppedLinksCount: number,
    readonly resource: Span['resource'],
    bytes: Buffer,
  ) {
    this.#bytes = bytes;
  }

  /** The Avro bytes the span was read from (a view into the record). */
  static bytesOf(span: ArrivalSpan): Buffer {
    return span.#bytes;
  }
}
