import { SerdeError } from '../../serde/errors.ts';
import type { Serde } from '../../serde/serde.ts';
import { traceMetaFromJson } from './meta-json.ts';
import type { TraceMeta } from './meta.ts';
import { SPAN_FILTER_BYTES } from './span-filter.ts';

/**
 * A trace's summary in the `trace-meta` store: written once per input record, so a fixed
 * binary layout rather than JSON. Little-endian, after a format byte:
 *
 *   0  u8   format (1)
 *   1  u8   flags: 1 error seen, 2 root seen, 4 entry count unknown
 *   2  f64  first, last, deadline, indexedAt, rootAt (0 when no root), spans, bytes, entries (0 when unknown)
 *  66  u64  maxDurationNs
 *  74  32 B span filter
 *
 * Numbers are doubles so every value round-trips. A value starting with `{` is the JSON
 * form earlier versions wrote (meta-json.ts): a change-logged store restores it after an
 * upgrade.
 */
const FORMAT = 1;
const JSON_START = 0x7b; // '{'

const ERROR = 1;
const ROOT = 2;
const ENTRIES_UNKNOWN = 4;
const KNOWN_FLAGS = ERROR | ROOT | ENTRIES_UNKNOWN;

/** Where each field starts. */
const AT = { flags: 1, first: 2, last: 10, deadline: 18, indexedAt: 26, rootAt: 34, spans: 42, bytes: 50, entries: 58, maxDurationNs: 66, spanFilter: 74 } as const;
export const TRACE_META_BYTES = AT.spanFilter + SPAN_FILTER_BYTES;

const MAX_DURATION_NS = 2n ** 64n - 1n;

function serialize(meta: TraceMeta): Buffer {
  if (meta.maxDurationNs < 0n || meta.maxDurationNs > MAX_DURATION_NS) {
    throw new SerdeError('VALUE_OUT_OF_RANGE', `TraceMeta maxDurationNs ${meta.maxDurationNs} is outside 0 to 2^64 - 1`);
  }
  if (meta.spanFilter.length !== SPAN_FILTER_BYTES) {
    throw new SerdeError('VALUE_OUT_OF_RANGE', `TraceMeta span filter of ${meta.spanFilter.length} bytes, expected ${SPAN_FILTER_BYTES}`);
  }
  const out = Buffer.allocUnsafe(TRACE_META_BYTES);
  const v = new DataView(out.buffer, out.byteOffset, TRACE_META_BYTES);
  out[0] = FORMAT;
  out[AT.flags] = (meta.error ? ERROR : 0) | (meta.rootAt !== null ? ROOT : 0) | (meta.entries === undefined ? ENTRIES_UNKNOWN : 0);
  v.setFloat64(AT.first, meta.first, true);
  v.setFloat64(AT.last, meta.last, true);
  v.setFloat64(AT.deadline, meta.deadline, true);
  v.setFloat64(AT.indexedAt, meta.indexedAt, true);
  v.setFloat64(AT.rootAt, meta.rootAt ?? 0, true);
  v.setFloat64(AT.spans, meta.spans, true);
  v.setFloat64(AT.bytes, meta.bytes, true);
  v.setFloat64(AT.entries, meta.entries ?? 0, true);
  v.setBigUint64(AT.maxDurationNs, meta.maxDurationNs, true);
  out.set(meta.spanFilter, AT.spanFilter);
  return out;
}

function deserialize(bytes: Buffer): TraceMeta {
  if (bytes.length === 0) throw new SerdeError('RECORD_FORMAT', 'TraceMeta value: no bytes');
  const format = bytes[0];
  if (format === JSON_START) return traceMetaFromJson(bytes);
  if (format !== FORMAT) throw new SerdeError('RECORD_FORMAT', `TraceMeta value: unknown format ${format} (first byte); this version reads ${FORMAT} and JSON`);
  if (bytes.length !== TRACE_META_BYTES) throw new SerdeError('RECORD_FORMAT', `TraceMeta value of ${bytes.length} bytes; format ${FORMAT} has ${TRACE_META_BYTES}`);
  const flags = bytes[AT.flags] as number;
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new SerdeError('RECORD_FORMAT', `TraceMeta value: unknown flags 0x${flags.toString(16)}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, TRACE_META_BYTES);
  // A copy: the summary's filter is updated in place, and `bytes` may be a store's own.
  const spanFilter = new Uint8Array(SPAN_FILTER_BYTES);
  spanFilter.set(new Uint8Array(bytes.buffer, bytes.byteOffset + AT.spanFilter, SPAN_FILTER_BYTES));
  // Fields in newMeta's order: summaries from either source share one shape.
  return {
    first: v.getFloat64(AT.first, true),
    last: v.getFloat64(AT.last, true),
    spans: v.getFloat64(AT.spans, true),
    bytes: v.getFloat64(AT.bytes, true),
    rootAt: flags & ROOT ? v.getFloat64(AT.rootAt, true) : null,
    error: (flags & ERROR) !== 0,
    maxDurationNs: v.getBigUint64(AT.maxDurationNs, true),
    deadline: v.getFloat64(AT.deadline, true),
    indexedAt: v.getFloat64(AT.indexedAt, true),
    spanFilter,
    entries: flags & ENTRIES_UNKNOWN ? undefined : v.getFloat64(AT.entries, true),
  };
}

export const traceMetaSerde: Serde<TraceMeta> = { serialize, deserialize };
