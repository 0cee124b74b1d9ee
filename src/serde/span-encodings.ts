/**
 * The Avro bytes a span arrived as, when it arrived as an item of a SpanBatch written with
 * the local Span schema: the trace buffer stores those bytes instead of encoding the span
 * again. Such a span may be an arrival skeleton (span-arrival.ts): only what the buffer
 * reads, the rest still in its bytes (`fullSpan`); it carries them itself. Other spans'
 * bytes are kept weakly: an entry lives only as long as its span object.
 */
import avro from 'avsc';
import type { Type } from 'avsc';
import type { Span } from '../model/span.ts';
import { Cursor } from './avro-cursor.ts';
import { ArrivalSpan } from './span-arrival.ts';

/** Bytes of spans that are not arrival skeletons (those carry their own). */
const encodings = new WeakMap<Span, Buffer>();

/** Whether an item `readArrayItems` gave is an arrival skeleton (a checked Span), not avsc's object. */
export function isSkeleton(item: unknown): item is ArrivalSpan {
  return item instanceof ArrivalSpan;
}

/** The span with all its fields: decoded from its bytes if it is an arrival skeleton. */
export function fullSpan(span: Span, decode: (bytes: Buffer) => Span): Span {
  if (!(span instanceof ArrivalSpan)) return span;
  const bytes = ArrivalSpan.bytesOf(span);
  const full = decode(bytes);
  encodings.set(full, bytes);
  return full;
}

export function rememberEncoding(span: Span, bytes: Buffer): void {
  encodings.set(span, bytes);
}

export function encodingOf(span: Span): Buffer | undefined {
  return span instanceof ArrivalSpan ? ArrivalSpan.bytesOf(span) : encodings.get(span);
}

const count = avro.Type.forSchema('long');

/**
 * The items of an Avro array body starting at `pos`, each with the bytes it was read from.
 * `itemType` must be the type the bytes were written with. With `skeleton`, an item is
 * read by it first (an `isSkeleton` Span, which knows its bytes), by avsc where it gives
 * undefined.
 */
export function readArrayItems(
  bytes: Buffer,
  pos: number,
  itemType: Type,
  skeleton?: (c: Cursor) => ArrivalSpan | undefined,
): { items: unknown[]; raw: Buffer[]; end: number } {
  const cursor = skeleton ? new Cursor(bytes) : undefined;
  const items: unknown[] = [];
  const raw: Buffer[] = [];
  for (;;) {
    let { value: n, offset } = count.decode(bytes, pos) as { value: number; offset: number };
    if (offset < 0) throw new RangeError('truncated Avro array block');
    pos = offset;
    if (n === 0) return { items, raw, end: pos };
    if (n < 0) {
      n = -n;
      pos = (count.decode(bytes, pos) as { offset: number }).offset; // block size in bytes
    }
    for (let i = 0; i < n; i++) {
      if (cursor && skeleton) {
        cursor.pos = pos;
        const span = skeleton(cursor);
        if (span) {
          items.push(span);
          raw.push(ArrivalSpan.bytesOf(span));
          pos = cursor.pos;
          continue;
        }
      }
      const r = itemType.decode(bytes, pos) as { value: unknown; offset: number };
      if (r.offset < 0) throw new RangeError('truncated Avro array item');
      items.push(r.value);
      raw.push(bytes.subarray(pos, r.offset));
      pos = r.offset;
    }
  }
}
