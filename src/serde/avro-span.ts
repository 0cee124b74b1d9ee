/**
 * Model ↔ Avro-object mapping for `schemas/Span.avsc`. Kept apart from the serde so the
 * Span shape (src/model/span.ts) and the schema can evolve in one visible place.
 */
import { FieldError } from '../model/field-error.ts';
import { MAX_VALUE_DEPTH, tooDeep } from '../model/invariants.ts';
import type { AnyValue, Attributes, KeyValue, Span, SpanEvent, SpanLink } from '../model/span.ts';

/** OTLP times are fixed64 (unsigned); Avro long is signed: store the same 64 bits. */
const timeOut = (ns: bigint): bigint => BigInt.asIntN(64, ns);
const timeIn = (x: bigint): bigint => BigInt.asUintN(64, x);

type AvroAnyValue = { value: Record<string, unknown> | null };
interface AvroKeyValue { key: string; value: AvroAnyValue }

const ARRAY = 'tailstream.ArrayValue';
const KVLIST = 'tailstream.KeyValueList';
const BYTES = 'tailstream.BytesValue';

function valueToAvro(v: AnyValue): AvroAnyValue {
  switch (v.type) {
    case 'string': return { value: { string: v.value } };
    case 'bool': return { value: { boolean: v.value } };
    case 'int': return { value: { long: v.value } };
    case 'double': return { value: { double: v.value } };
    case 'bytes': return { value: { [BYTES]: { value: Buffer.from(v.value.buffer, v.value.byteOffset, v.value.byteLength) } } };
    case 'array': return { value: { [ARRAY]: { values: v.values.map(valueToAvro) } } };
    case 'kvlist': return { value: { [KVLIST]: { values: attrsToAvro(v.values) } } };
    case 'empty': return { value: null };
  }
}

function attrsToAvro(attrs: Attributes): AvroKeyValue[] {
  return attrs.map((kv) => ({ key: kv.key, value: valueToAvro(kv.value) }));
}

/** Where a value sits, for an error: the attribute list's field and the top-level key. */
function fieldPath(field: string, key: string | undefined): string {
  return key === undefined ? field : `${field}[${JSON.stringify(key)}]`;
}

/**
 * `field` and `key` name the top-level attribute, for the reason when a value nests too
 * deep; the path is built only then (decoding is hot, errors are rare).
 */
function valueFromAvro(a: AvroAnyValue, depth: number, field: string, key: string | undefined): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw tooDeep(fieldPath(field, key));
  const u = a.value;
  if (u === null) return { type: 'empty' };
  // A wrapped union branch has one own key, its branch name. Not `for…in`: it also walks the
  // branch class's prototype (avsc's `unwrap`), which made it the slowest step of a decode.
  const branch = Object.keys(u)[0];
  const x = branch === undefined ? undefined : u[branch];
  switch (branch) {
    case 'string': return { type: 'string', value: x as string };
    case 'boolean': return { type: 'bool', value: x as boolean };
    case 'long': return { type: 'int', value: x as bigint };
    case 'double': return { type: 'double', value: x as number };
    case BYTES: return { type: 'bytes', value: new Uint8Array((x as { value: Buffer }).value) };
    case ARRAY: return { type: 'array', values: (x as { values: AvroAnyValue[] }).values.map((v) => valueFromAvro(v, depth + 1, field, key)) };
    case KVLIST: return { type: 'kvlist', values: attrsFromAvro((x as { values: AvroKeyValue[] }).values, field, depth + 1, key) };
  }
  throw new FieldError(fieldPath(field, key), `unknown Avro AnyValue branch ${Object.keys(u).join(',')}`);
}

function attrsFromAvro(attrs: readonly AvroKeyValue[], field: string, depth = 1, key?: string): KeyValue[] {
  const out: KeyValue[] = new Array<KeyValue>(attrs.length);
  for (let i = 0; i < attrs.length; i++) {
    const kv = attrs[i] as AvroKeyValue;
    out[i] = { key: kv.key, value: valueFromAvro(kv.value, depth, field, depth === 1 ? kv.key : key) };
  }
  return out;
}

/** A model span as the plain object avsc writes for `tailstream.Span`. */
export function spanToAvro(s: Span): Record<string, unknown> {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    traceState: s.traceState,
    flags: BigInt(s.flags),
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: timeOut(s.startTimeUnixNano),
    endTimeUnixNano: timeOut(s.endTimeUnixNano),
    status: { code: s.status.code, message: s.status.message },
    attributes: attrsToAvro(s.attributes),
    droppedAttributesCount: BigInt(s.droppedAttributesCount),
    events: s.events.map((e) => ({
      timeUnixNano: timeOut(e.timeUnixNano),
      name: e.name,
      attributes: attrsToAvro(e.attributes),
      droppedAttributesCount: BigInt(e.droppedAttributesCount),
    })),
    droppedEventsCount: BigInt(s.droppedEventsCount),
    links: s.links.map((l) => ({
      traceId: l.traceId,
      spanId: l.spanId,
      traceState: l.traceState,
      flags: BigInt(l.flags),
      attributes: attrsToAvro(l.attributes),
      droppedAttributesCount: BigInt(l.droppedAttributesCount),
    })),
    droppedLinksCount: BigInt(s.droppedLinksCount),
    resource: {
      attributes: attrsToAvro(s.resource.attributes),
      droppedAttributesCount: BigInt(s.resource.droppedAttributesCount),
      schemaUrl: s.resource.schemaUrl,
    },
    scope: {
      name: s.scope.name,
      version: s.scope.version,
      attributes: attrsToAvro(s.scope.attributes),
      droppedAttributesCount: BigInt(s.scope.droppedAttributesCount),
      schemaUrl: s.scope.schemaUrl,
    },
  };
}

interface AvroSpan {
  traceId: string; spanId: string; parentSpanId: string; traceState: string; flags: bigint; name: string;
  kind: number; startTimeUnixNano: bigint; endTimeUnixNano: bigint; status: { code: number; message: string };
  attributes: AvroKeyValue[]; droppedAttributesCount: bigint;
  events: { timeUnixNano: bigint; name: string; attributes: AvroKeyValue[]; droppedAttributesCount: bigint }[];
  droppedEventsCount: bigint;
  links: { traceId: string; spanId: string; traceState: string; flags: bigint; attributes: AvroKeyValue[]; droppedAttributesCount: bigint }[];
  droppedLinksCount: bigint;
  resource: { attributes: AvroKeyValue[]; droppedAttributesCount: bigint; schemaUrl: string };
  scope: { name: string; version: string; attributes: AvroKeyValue[]; droppedAttributesCount: bigint; schemaUrl: string };
}

/**
 * The inverse of `spanToAvro`, for an object avsc read with the Span reader schema. Throws a
 * FieldError for a value nested deeper than MAX_VALUE_DEPTH; everything else is left to
 * `validateSpan`.
 */
export function spanFromAvro(o: unknown): Span {
  const a = o as AvroSpan;
  const events: SpanEvent[] = a.events.map((e, i) => ({
    timeUnixNano: timeIn(e.timeUnixNano),
    name: e.name,
    attributes: attrsFromAvro(e.attributes, `events[${i}].attributes`),
    droppedAttributesCount: Number(e.droppedAttributesCount),
  }));
  const links: SpanLink[] = a.links.map((l, i) => ({
    traceId: l.traceId,
    spanId: l.spanId,
    traceState: l.traceState,
    flags: Number(l.flags),
    attributes: attrsFromAvro(l.attributes, `links[${i}].attributes`),
    droppedAttributesCount: Number(l.droppedAttributesCount),
  }));
  return {
    traceId: a.traceId,
    spanId: a.spanId,
    parentSpanId: a.parentSpanId,
    traceState: a.traceState,
    flags: Number(a.flags),
    name: a.name,
    kind: a.kind as Span['kind'],
    startTimeUnixNano: timeIn(a.startTimeUnixNano),
    endTimeUnixNano: timeIn(a.endTimeUnixNano),
    status: { code: a.status.code as Span['status']['code'], message: a.status.message },
    attributes: attrsFromAvro(a.attributes, 'attributes'),
    droppedAttributesCount: Number(a.droppedAttributesCount),
    events,
    droppedEventsCount: Number(a.droppedEventsCount),
    links,
    droppedLinksCount: Number(a.droppedLinksCount),
    resource: {
      attributes: attrsFromAvro(a.resource.attributes, 'resource.attributes'),
      droppedAttributesCount: Number(a.resource.droppedAttributesCount),
      schemaUrl: a.resource.schemaUrl,
    },
    scope: {
      name: a.scope.name,
      version: a.scope.version,
      attributes: attrsFromAvro(a.scope.attributes, 'scope.attributes'),
      droppedAttributesCount: Number(a.scope.droppedAttributesCount),
      schemaUrl: a.scope.schemaUrl,
    },
  };
}
