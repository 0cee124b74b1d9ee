/**
 * The Avro bytes a span arrived as, when it arrived as an item of a SpanBatch written with
 * the local Span schema: the trace buffer stores those bytes instead of encoding the span
 * again. Weak: an entry lives only as long as its span object.
 */
import avro from 'avsc';
import type { Type } from 'avsc';
import type { Span } from '../model/span.ts';

const encodings = new WeakMap<Span, Buffer>();

export function rememberEncoding(span: Span, bytes: Buffer): void {
  encodings.set(span, bytes);
}

export function encodingOf(span: Span): Buffer | undefined {
  return encodings.get(span);
}

const count = avro.Type.forSchema('long');

/**
 * The items of an Avro array body starting at `pos`, each with the bytes it was read from.
 * `itemType` must be the type the bytes were written with.
 */
export function readArrayItems(bytes: Buffer, pos: number, itemType: Type): { items: unknown[]; raw: Buffer[]; end: number } {
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
      const r = itemType.decode(bytes, pos) as { value: unknown; offset: number };
      if (r.offset < 0) throw new RangeError('truncated Avro array item');
      items.push(r.value);
      raw.push(bytes.subarray(pos, r.offset));
      pos = r.offset;
    }
  }
}
