/**
 * One buffer entry per input record: the Avro encodings of the record's new spans, each
 * kept as it was encoded, so a kept trace is written to sampled-spans by copying bytes
 * and a dropped one is never re-encoded. Layout: u32 count, count × u32 length, the bytes.
 */
export function encodeEntry(spans: readonly Buffer[]): Buffer {
  let size = 4 + 4 * spans.length;
  for (const s of spans) size += s.length;
  // Its own allocation, not a slice of Node's pool: an entry held in memory until its
  // trace is decided is then kept as it is (state/resident-entries.ts `ownBytes`), not copied.
  const out = Buffer.allocUnsafeSlow(size);
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

/** Bytes of a span the fingerprint hashes at most, spread over its length. */
const SAMPLED_BYTES = 64;

/**
 * Names a span in the trace's Bloom filter: its id, its length and FNV-1a over up to 64 of
 * its bytes, spread over its length. Only a byte-identical repeat (a retry) is a duplicate:
 * a fingerprint match is confirmed by comparing the bytes, so the fingerprint only has to
 * tell most different spans apart cheaply, not all.
 */
export function spanFingerprint(spanId: string, bytes: Buffer): string {
  let h = 0x811c9dc5;
  const step = Math.max(1, Math.floor(bytes.length / SAMPLED_BYTES));
  for (let i = bytes.length - 1; i >= 0; i -= step) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return `${spanId}|${(h >>> 0).toString(36)}|${bytes.length}`;
}
