/**
 * One buffer entry per input record: the Avro encodings of the record's new spans, each
 * kept as it was encoded, so a kept trace is written to sampled-spans by copying bytes
 * and a dropped one is never re-encoded. Layout: u32 count, count × u32 length, the bytes.
 */
export function encodeEntry(spans: readonly Buffer[]): Buffer {
  let size = 4 + 4 * spans.length;
  for (const s of spans) size += s.length;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32LE(spans.length, 0);
  let at = 4 + 4 * spans.length;
  spans.forEach((s, i) => {
    out.writeUInt32LE(s.length, 4 + 4 * i);
    s.copy(out, at);
    at += s.length;
  });
  return out;
}

/** The span encodings of an entry, as views into it (no copies). */
export function entrySpans(entry: Buffer, into: Buffer[] = []): Buffer[] {
  if (entry.length < 4) throw new RangeError(`buffer entry of ${entry.length} bytes: no span count`);
  const n = entry.readUInt32LE(0);
  let at = 4 + 4 * n;
  if (at > entry.length) throw new RangeError(`buffer entry of ${entry.length} bytes cannot hold ${n} spans`);
  for (let i = 0; i < n; i++) {
    const len = entry.readUInt32LE(4 + 4 * i);
    if (at + len > entry.length) throw new RangeError(`buffer entry: span ${i} runs past the end`);
    into.push(entry.subarray(at, at + len));
    at += len;
  }
  return into;
}

/**
 * FNV-1a over a span's bytes: with the span id it names the span in the trace's Bloom
 * filter, so only a byte-identical repeat (a retry) can match; a match is then confirmed
 * by comparing the bytes.
 */
export function spanFingerprint(spanId: string, bytes: Buffer): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return `${spanId}|${(h >>> 0).toString(36)}|${bytes.length}`;
}
