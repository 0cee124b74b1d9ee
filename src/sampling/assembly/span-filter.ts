/**
 * A 256-bit Bloom filter of the span keys a trace has stored, kept in its metadata, so a
 * record of an in-flight trace reads RocksDB only for keys that may be duplicates instead
 * of for every span (a read is a trip to the thread pool). Three probes: ~1 % false
 * positives at 23 spans, saturating (every key read, still exact) on huge traces.
 * Held as 32 bytes (bit p in byte p >> 3), the form the summary is stored in, so a record
 * updates it in place with no decoding.
 */
const BITS = 256;
const PROBES = 3;

export const SPAN_FILTER_BYTES = BITS / 8;

/** A filter holding nothing: each new trace gets its own (they are updated in place). */
export function emptySpanFilter(): Uint8Array {
  return new Uint8Array(SPAN_FILTER_BYTES);
}

/** A filter holding every key: for summaries written before filters existed. */
export function saturatedSpanFilter(): Uint8Array {
  return new Uint8Array(SPAN_FILTER_BYTES).fill(0xff);
}

/**
 * The filter as earlier versions stored it (64 hex chars, eight 32-bit words, word w
 * holding bits 32w to 32w + 31); undefined when `hex` is not in that form.
 */
export function spanFilterFromHex(hex: string): Uint8Array | undefined {
  if (!/^[0-9a-f]{64}$/i.test(hex)) return undefined;
  const bits = new Uint8Array(SPAN_FILTER_BYTES);
  for (let w = 0; w < BITS / 32; w++) {
    const word = Number.parseInt(hex.slice(w * 8, w * 8 + 8), 16);
    for (let k = 0; k < 4; k++) bits[w * 4 + k] = (word >>> (8 * k)) & 0xff;
  }
  return bits;
}

/** FNV-1a over the key's UTF-16 code units; two seeds give the double-hashing pair. */
function hash(key: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function positions(key: string): number[] {
  const a = hash(key, 0x811c9dc5);
  const b = (hash(key, 0x9747b28c) | 1) >>> 0;
  const out: number[] = [];
  for (let i = 0; i < PROBES; i++) out.push((a + i * b) % BITS);
  return out;
}

/** Reads and sets the bits of a summary's filter in place. */
export class SpanFilter {
  constructor(private readonly bits: Uint8Array) {
    if (bits.length !== SPAN_FILTER_BYTES) throw new RangeError(`span filter of ${bits.length} bytes, expected ${SPAN_FILTER_BYTES}`);
  }

  mayContain(key: string): boolean {
    return positions(key).every((p) => ((this.bits[p >>> 3] as number) >>> (p & 7)) & 1);
  }

  add(key: string): void {
    for (const p of positions(key)) this.bits[p >>> 3] = (this.bits[p >>> 3] as number) | (1 << (p & 7));
  }
}
