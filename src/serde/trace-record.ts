/**
 * The `trace_blobs` record format (migration 014): one kept-trace record with what its spans
 * share written once. The trace id and the decision head it; each distinct resource and
 * scope is written once and referred to by index; every string goes through a per-record
 * table (an attribute key or operation name repeated across spans costs an index); span ids
 * are raw bytes; a parent in the same record is its index; times are offsets from the
 * record's earliest start. Every OTLP field round-trips. `T` and a version byte frame it,
 * which tells it from the Confluent-framed Avro value (magic byte 0) rows before 014 hold.
 */
import type { SampledTrace } from '../model/sampled-trace.ts';
import type { AnyValue, Attributes, InstrumentationScope, KeyValue, Resource, Span, SpanEvent, SpanLink } from '../model/span.ts';
import { sameAttributes } from '../model/same-attributes.ts';
import { MAX_VALUE_DEPTH } from '../model/invariants.ts';
import { RecordReader, RecordWriter } from './record-buffer.ts';
import { SerdeError } from './errors.ts';

const MAGIC = 0x54;
const VERSION = 1;

/** True when `bytes` is a record in this format (older rows hold the sampled-spans value). */
export function isTraceRecord(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === MAGIC;
}

/**
 * A kept-trace record in the `trace_blobs` format. A caller encoding many records passes
 * one writer for all (the sink, a batch at a time: a fresh 4 KiB buffer per record was
 * most of its garbage); the bytes are then a view of its buffer, valid until its next use.
 */
export function encodeTraceRecord(trace: SampledTrace, w: RecordWriter = new RecordWriter()): Buffer {
  w.reset();
  w.byte(MAGIC);
  w.byte(VERSION);
  w.str(trace.traceId);
  const d = trace.decision;
  w.str(d.policy);
  w.double(d.sampleRate);
  w.str(d.reason);
  w.byte(d.late ? 1 : 0);
  w.double(d.decidedAtMs);
  let base = trace.spans[0]?.startTimeUnixNano ?? 0n;
  for (const s of trace.spans) if (s.startTimeUnixNano < base) base = s.startTimeUnixNano;
  w.long(base);
  const resources = new Index<Resource>(sameResource);
  const scopes = new Index<InstrumentationScope>(sameScope);
  const position = new Map<string, number>();
  trace.spans.forEach((s, i) => position.set(s.spanId, i + 1));
  const resourceOf = trace.spans.map((s) => resources.of(s.resource));
  const scopeOf = trace.spans.map((s) => scopes.of(s.scope));
  w.uint(resources.list.length);
  for (const r of resources.list) {
    attrs(w, r.attributes);
    w.uint(r.droppedAttributesCount);
    w.str(r.schemaUrl);
  }
  w.uint(scopes.list.length);
  for (const s of scopes.list) {
    w.str(s.name);
    w.str(s.version);
    attrs(w, s.attributes);
    w.uint(s.droppedAttributesCount);
    w.str(s.schemaUrl);
  }
  // Per-span fields that differ in every trace first, each in a run of its own, so what
  // repeats across traces (names, kinds, attributes) follows as runs zstd finds again.
  w.uint(trace.spans.length);
  for (const s of trace.spans) {
    w.str(s.traceId === trace.traceId ? '' : s.traceId);
    id(w, s.spanId);
  }
  for (const s of trace.spans) {
    const parent = s.parentSpanId === '' ? 0 : (position.get(s.parentSpanId) ?? 0);
    w.uint(parent);
    if (parent === 0) id(w, s.parentSpanId);
  }
  for (const s of trace.spans) w.long(s.startTimeUnixNano - base);
  for (const s of trace.spans) w.long(s.endTimeUnixNano - s.startTimeUnixNano);
  trace.spans.forEach((s, i) => {
    w.str(s.traceState);
    w.uint(s.flags);
    w.str(s.name);
    w.uint(s.kind);
    w.uint(s.status.code);
    w.str(s.status.message);
    attrs(w, s.attributes);
    w.uint(s.droppedAttributesCount);
    w.uint(s.events.length);
    for (const e of s.events) {
      w.long(e.timeUnixNano - s.startTimeUnixNano);
      w.str(e.name);
      attrs(w, e.attributes);
      w.uint(e.droppedAttributesCount);
    }
    w.uint(s.droppedEventsCount);
    w.uint(s.links.length);
    for (const l of s.links) {
      w.str(l.traceId);
      id(w, l.spanId);
      w.str(l.traceState);
      w.uint(l.flags);
      attrs(w, l.attributes);
      w.uint(l.droppedAttributesCount);
    }
    w.uint(s.droppedLinksCount);
    w.uint(resourceOf[i] as number);
    w.uint(scopeOf[i] as number);
  });
  return w.bytes();
}

/** The inverse of encodeTraceRecord. */
export function decodeTraceRecord(bytes: Buffer): SampledTrace {
  if (!isTraceRecord(bytes) || bytes[1] !== VERSION) throw new SerdeError('RECORD_FORMAT', `trace_blobs record: unknown format ${bytes[0]}/${bytes[1]} (expected ${MAGIC}/${VERSION})`);
  const r = new RecordReader(bytes, 2);
  const traceId = r.str();
  const decision = { policy: r.str(), sampleRate: r.double(), reason: r.str(), late: r.byte() === 1, decidedAtMs: r.double() };
  const base = r.long();
  const resources: Resource[] = Array.from({ length: r.uint() }, () => ({ attributes: readAttrs(r, 1), droppedAttributesCount: r.uint(), schemaUrl: r.str() }));
  const scopes: InstrumentationScope[] = Array.from({ length: r.uint() }, () => ({ name: r.str(), version: r.str(), attributes: readAttrs(r, 1), droppedAttributesCount: r.uint(), schemaUrl: r.str() }));
  const n = r.uint();
  const ids = Array.from({ length: n }, () => [r.str(), readId(r)] as const);
  const parents = Array.from({ length: n }, () => {
    const p = r.uint();
    return p === 0 ? readId(r) : p;
  });
  const starts = Array.from({ length: n }, () => base + r.long());
  const ends = starts.map((start) => start + r.long());
  const spans: Mutable<Span>[] = [];
  for (let i = 0; i < n; i++) {
    const [ownTrace, spanId] = ids[i] as readonly [string, string];
    const parent = parents[i] as string | number;
    const start = starts[i] as bigint;
    const end = ends[i] as bigint;
    const traceState = r.str();
    const flags = r.uint();
    const name = r.str();
    const kind = r.uint() as Span['kind'];
    const status = { code: r.uint() as Span['status']['code'], message: r.str() };
    const attributes = readAttrs(r, 1);
    const droppedAttributesCount = r.uint();
    const events: SpanEvent[] = Array.from({ length: r.uint() }, () => ({ timeUnixNano: start + r.long(), name: r.str(), attributes: readAttrs(r, 1), droppedAttributesCount: r.uint() }));
    const droppedEventsCount = r.uint();
    const links: SpanLink[] = Array.from({ length: r.uint() }, () => ({ traceId: r.str(), spanId: readId(r), traceState: r.str(), flags: r.uint(), attributes: readAttrs(r, 1), droppedAttributesCount: r.uint() }));
    const droppedLinksCount = r.uint();
    const resource = resources[r.uint()];
    const scope = scopes[r.uint()];
    if (resource === undefined || scope === undefined) throw new SerdeError('RECORD_FORMAT', `trace_blobs record of ${traceId}: span ${i} names a resource or scope it lacks`);
    spans.push({
      traceId: ownTrace === '' ? traceId : ownTrace, spanId, parentSpanId: typeof parent === 'string' ? parent : '', traceState, flags, name, kind, startTimeUnixNano: start, endTimeUnixNano: end, status,
      attributes, droppedAttributesCount, events, droppedEventsCount, links, droppedLinksCount, resource, scope,
    });
  }
  if (!r.done()) throw new SerdeError('RECORD_FORMAT', `trace_blobs record of ${traceId}: bytes left after ${n} spans`);
  parents.forEach((p, i) => {
    if (typeof p === 'string') return;
    const parent = spans[p - 1];
    if (parent === undefined) throw new SerdeError('RECORD_FORMAT', `trace_blobs record of ${traceId}: span ${i} names parent ${p - 1} of ${n}`);
    (spans[i] as Mutable<Span>).parentSpanId = parent.spanId;
  });
  return { traceId, spans, decision };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Distinct values in first-seen order. A record holds a few resources and scopes, so a
 * linear search with a comparison that allocates nothing beats building a key per span.
 */
class Index<T> {
  readonly list: T[] = [];
  constructor(private readonly same: (a: T, b: T) => boolean) {}
  of(value: T): number {
    for (let i = 0; i < this.list.length; i++) {
      const v = this.list[i] as T;
      if (v === value || this.same(v, value)) return i;
    }
    this.list.push(value);
    return this.list.length - 1;
  }
}

/** Canonical 8- or 16-byte ids (lowercase hex) as bytes, anything else ('' included) as a string. */
function id(w: RecordWriter, s: string): void {
  if ((s.length === 16 || s.length === 32) && w.hexBytes(s)) return;
  w.byte(0);
  w.str(s);
}

function readId(r: RecordReader): string {
  const n = r.byte();
  return n === 0 ? r.str() : r.hex(n);
}

const VALUE = { empty: 0, string: 1, false: 2, true: 3, int: 4, double: 5, bytes: 6, array: 7, kvlist: 8 } as const;

function attrs(w: RecordWriter, list: Attributes): void {
  w.uint(list.length);
  for (const kv of list) {
    w.str(kv.key);
    value(w, kv.value);
  }
}

function value(w: RecordWriter, v: AnyValue): void {
  switch (v.type) {
    case 'string': w.byte(VALUE.string); return w.str(v.value);
    case 'bool': return w.byte(v.value ? VALUE.true : VALUE.false);
    case 'int': w.byte(VALUE.int); return w.long(v.value);
    case 'double': w.byte(VALUE.double); return w.double(v.value);
    case 'bytes': w.byte(VALUE.bytes); return w.raw(v.value);
    case 'array': w.byte(VALUE.array); w.uint(v.values.length); for (const x of v.values) value(w, x); return;
    case 'kvlist': w.byte(VALUE.kvlist); return attrs(w, v.values);
    case 'empty': return w.byte(VALUE.empty);
  }
}

function readAttrs(r: RecordReader, depth: number): KeyValue[] {
  return Array.from({ length: r.uint() }, () => ({ key: r.str(), value: readValue(r, depth) }));
}

function readValue(r: RecordReader, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw new SerdeError('RECORD_FORMAT', `trace_blobs record: value nested deeper than ${MAX_VALUE_DEPTH}`);
  const tag = r.byte();
  switch (tag) {
    case VALUE.empty: return { type: 'empty' };
    case VALUE.string: return { type: 'string', value: r.str() };
    case VALUE.false: return { type: 'bool', value: false };
    case VALUE.true: return { type: 'bool', value: true };
    case VALUE.int: return { type: 'int', value: r.long() };
    case VALUE.double: return { type: 'double', value: r.double() };
    case VALUE.bytes: return { type: 'bytes', value: r.raw() };
    case VALUE.array: return { type: 'array', values: Array.from({ length: r.uint() }, () => readValue(r, depth + 1)) };
    case VALUE.kvlist: return { type: 'kvlist', values: readAttrs(r, depth + 1) };
  }
  throw new SerdeError('RECORD_FORMAT', `trace_blobs record: unknown value tag ${tag}`);
}

function sameResource(a: Resource, b: Resource): boolean {
  return a.droppedAttributesCount === b.droppedAttributesCount && a.schemaUrl === b.schemaUrl && sameAttributes(a.attributes, b.attributes);
}

function sameScope(a: InstrumentationScope, b: InstrumentationScope): boolean {
  return a.name === b.name && a.version === b.version && a.droppedAttributesCount === b.droppedAttributesCount && a.schemaUrl === b.schemaUrl && sameAttributes(a.attributes, b.attributes);
}
