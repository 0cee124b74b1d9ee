/**
 * A partial read of a span's Avro bytes (`schemas/Span.avsc`) for the sampling decision:
 * what the policies that read no attributes, the dependency edges and the decision stats
 * use, without building the parts they never read. Of the span's attributes only those
 * the decision reads are built: of a span that is one end of a call the edges' (edges/peer.ts:
 * the peer and system keys and the first `http.*` / `url.*` one), and of every span the keys
 * the caller names (`skeletonKeys`: the decision, the head rate's); resource attributes other than the
 * first `service.name`, events, link attributes and the scope are skipped over, not built
 * (the returned span has them empty); everything else is read exactly as `spanFromAvro`
 * reads it. The bytes are still checked to the end, so what the full decode refuses (a
 * truncated span, trailing bytes, an unknown union branch, a value nested too deep) this
 * refuses too.
 */
import { FieldError } from '../model/field-error.ts';
import { MAX_VALUE_DEPTH, tooDeep } from '../model/invariants.ts';
import type { AnyValue, KeyValue, Span, SpanLink } from '../model/span.ts';
import { EDGE_PRESENCE_PREFIXES, EDGE_VALUE_KEYS, edgesReadAttributes } from '../edges/peer.ts';
import { Cursor, LastRead } from './avro-cursor.ts';

const SERVICE_NAME = 'service.name';

/** Field names of the Span record in schema order, as this reader walks them. */
export const SKELETON_SPAN_FIELDS = [
  'traceId', 'spanId', 'parentSpanId', 'traceState', 'flags', 'name', 'kind', 'startTimeUnixNano', 'endTimeUnixNano',
  'status', 'attributes', 'droppedAttributesCount', 'events', 'droppedEventsCount', 'links', 'droppedLinksCount', 'resource', 'scope',
] as const;

function fieldPath(field: string, key: string | undefined): string {
  return key === undefined ? field : `${field}[${JSON.stringify(key)}]`;
}

/** AnyValue's union: null, string, boolean, long, double, BytesValue, ArrayValue, KeyValueList. */
function readValue(c: Cursor, depth: number, field: string, key: string | undefined): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw tooDeep(fieldPath(field, key));
  const branch = c.int();
  switch (branch) {
    case 0: return { type: 'empty' };
    case 1: return { type: 'string', value: c.string() };
    case 2: return { type: 'bool', value: c.bool() };
    case 3: return { type: 'int', value: c.long() };
    case 4: return { type: 'double', value: c.double() };
    case 5: return { type: 'bytes', value: c.bytes() };
    case 6: {
      const values: AnyValue[] = [];
      c.array(() => values.push(readValue(c, depth + 1, field, key)));
      return { type: 'array', values };
    }
    case 7: return { type: 'kvlist', values: readAttributes(c, field, depth + 1, key) };
  }
  throw new FieldError(fieldPath(field, key), `unknown Avro AnyValue branch ${branch}`);
}

/** Walks a value without building it, with the same depth limit as reading it. */
function skipValue(c: Cursor, depth: number, field: string, key: string | undefined): void {
  if (depth > MAX_VALUE_DEPTH) throw tooDeep(fieldPath(field, key));
  const branch = c.int();
  switch (branch) {
    case 0: return;
    case 1: case 5: c.skipBytes(); return;
    case 2: c.bool(); return;
    case 3: return c.skipLong();
    case 4: c.double(); return;
    case 6: return c.array(() => skipValue(c, depth + 1, field, key));
    case 7: return skipAttributes(c, field, depth + 1, key);
  }
  throw new FieldError(fieldPath(field, key), `unknown Avro AnyValue branch ${branch}`);
}

function readAttributes(c: Cursor, field: string, depth = 1, key?: string): KeyValue[] {
  const out: KeyValue[] = [];
  c.array(() => {
    const k = c.string();
    out.push({ key: k, value: readValue(c, depth, field, depth === 1 ? k : key) });
  });
  return out;
}

function skipAttributes(c: Cursor, field: string, depth = 1, key?: string): void {
  c.array(() => {
    if (depth === 1) return skipKeyValue(c, field, c.pos);
    c.skipBytes();
    skipValue(c, depth, field, key);
  });
}

/**
 * A top-level attribute whose key was not read yet (from `at`): the key is decoded only
 * for the error a too deeply nested value gives, which names it.
 */
function skipKeyValue(c: Cursor, field: string, at: number): void {
  c.pos = at;
  c.skipBytes();
  try {
    skipValue(c, 1, field, undefined);
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    c.pos = at;
    const k = c.string();
    skipValue(c, 1, field, k);
  }
}

/** Keys by their length (all ASCII), so a key is compared with the few of its own length only. */
type KeysByLength = readonly (readonly string[] | undefined)[];

function byLength(keys: readonly string[]): KeysByLength {
  const out: string[][] = [];
  for (const k of keys) (out[k.length] ??= []).push(k);
  return out;
}

/** Keys whose values a skeleton builds: of a span that is one end of a call (the edges' too), and of any other span. */
export interface SkeletonKeys {
  readonly call: KeysByLength;
  readonly other: KeysByLength;
}

/** The edges' keys and, of every span, `ofEverySpan` (what the caller's decision reads besides). */
export function skeletonKeys(ofEverySpan: readonly string[]): SkeletonKeys {
  return { call: byLength([...EDGE_VALUE_KEYS, ...ofEverySpan]), other: byLength(ofEverySpan) };
}

const EDGES_ONLY = skeletonKeys([]);

/** The key of `keys` the bytes [start, start + len) spell, or undefined: compared as bytes, decoded only when it is one. */
function keyAt(c: Cursor, start: number, len: number, keys: KeysByLength): string | undefined {
  const same = keys[len];
  if (same) for (const k of same) if (c.asciiAt(start, k)) return k;
  return undefined;
}

const presenceKey = (c: Cursor, start: number, len: number): boolean => EDGE_PRESENCE_PREFIXES.some((p) => p.length <= len && c.asciiAt(start, p));

/** Span attributes: those `wanted` names for a span of this kind (see the file comment); the others are skipped over. */
function readWantedAttributes(c: Cursor, kind: Span['kind'], wanted: SkeletonKeys): KeyValue[] {
  const out: KeyValue[] = [];
  const call = edgesReadAttributes(kind);
  const keys = call ? wanted.call : wanted.other;
  let presenceSeen = !call;
  c.array(() => {
    const at = c.pos;
    const len = c.skipBytes();
    const start = c.pos - len;
    let key = keyAt(c, start, len, keys);
    if (key === undefined && !presenceSeen && presenceKey(c, start, len)) {
      presenceSeen = true;
      c.pos = at;
      key = c.string();
    }
    if (key !== undefined) out.push({ key, value: readValue(c, 1, 'attributes', key) });
    else skipKeyValue(c, 'attributes', at);
  });
  return out;
}

/** Resource attributes: only the first `service.name` is built (serviceName reads the first). */
function readServiceName(c: Cursor): KeyValue[] {
  const out: KeyValue[] = [];
  c.array(() => {
    const at = c.pos;
    if (out.length === 0 && c.stringIs(SERVICE_NAME)) out.push({ key: SERVICE_NAME, value: readValue(c, 1, 'resource.attributes', SERVICE_NAME) });
    else skipKeyValue(c, 'resource.attributes', at);
  });
  return out;
}

function readResource(c: Cursor): Span['resource'] {
  return { attributes: readServiceName(c), droppedAttributesCount: c.int(), schemaUrl: c.string() };
}

/** The spans of one service carry the same resource bytes: they share its reading (spans are not changed after it). */
const lastResource = new LastRead<Span['resource'], undefined>();

/** The span's skeleton (see the file comment); throws where `spanFromAvro(type.fromBuffer)` would. */
export function readSpanSkeleton(bytes: Buffer, wanted: SkeletonKeys = EDGES_ONLY): Span {
  const c = new Cursor(bytes);
  const traceId = c.string();
  const spanId = c.string();
  const parentSpanId = c.string();
  const traceState = c.string();
  const flags = c.int();
  const name = c.string();
  const kind = c.int() as Span['kind'];
  const startTimeUnixNano = c.ulong();
  const endTimeUnixNano = c.ulong();
  const status = { code: c.int() as Span['status']['code'], message: c.string() };
  const attributes = readWantedAttributes(c, kind, wanted);
  const droppedAttributesCount = c.int();
  c.array((i) => {
    c.skipLong();
    c.skipBytes();
    skipAttributes(c, `events[${i}].attributes`);
    c.skipLong();
  });
  const droppedEventsCount = c.int();
  const links: SpanLink[] = [];
  c.array((i) => {
    const link = { traceId: c.string(), spanId: c.string(), traceState: c.string(), flags: c.int() };
    skipAttributes(c, `links[${i}].attributes`);
    links.push({ ...link, attributes: [], droppedAttributesCount: c.int() });
  });
  const droppedLinksCount = c.int();
  const resource = lastResource.read(c, undefined, readResource);
  c.skipBytes(); // scope.name
  c.skipBytes(); // scope.version
  skipAttributes(c, 'scope.attributes');
  c.skipLong();
  c.skipBytes(); // scope.schemaUrl
  if (!c.atEnd) throw new RangeError('trailing bytes after an Avro span');
  return {
    traceId, spanId, parentSpanId, traceState, flags, name, kind, startTimeUnixNano, endTimeUnixNano, status,
    attributes, droppedAttributesCount, events: [], droppedEventsCount, links, droppedLinksCount, resource,
    scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' },
  };
}
