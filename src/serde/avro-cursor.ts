/**
 * A reader over Avro binary that checks every length against the buffer, for walking span
 * bytes without avsc (span-skeleton.ts, span-arrival.ts): values are read where needed and
 * skipped otherwise. It throws a RangeError where avsc would find the bytes truncated.
 */
/** Buffer's own UTF-8 slice, as avsc reads strings: `toString`'s argument checks cost more than the copy. */
const utf8Slice = (Buffer.prototype as { utf8Slice?: (this: Buffer, start: number, end: number) => string }).utf8Slice;
const latin1Slice = (Buffer.prototype as { latin1Slice?: (this: Buffer, start: number, end: number) => string }).latin1Slice;

/** Scratch space where a long's two halves meet before its one bigint is made. */
const WORDS = new DataView(new ArrayBuffer(8));

export class Cursor {
  constructor(
    private readonly buf: Buffer,
    public pos = 0,
  ) {}

  private byte(): number {
    const b = this.buf[this.pos++];
    if (b === undefined) throw new RangeError('truncated Avro span');
    return b;
  }

  /** A zigzag varint long as the signed 64-bit bigint avsc's long type gives. */
  long(): bigint {
    this.long64();
    return WORDS.getBigInt64(0, true);
  }

  /** A long as the unsigned 64 bits it holds (`BigInt.asUintN(64, long())`): span times. */
  ulong(): bigint {
    this.long64();
    return WORDS.getBigUint64(0, true);
  }

  /**
   * Decodes a zigzag varint into WORDS (two little-endian 32-bit halves), so the bigint is
   * made once. Past 64 bits what avsc keeps of it: the low 64.
   */
  private long64(): void {
    let lo = 0;
    let hi = 0;
    let b = this.byte();
    lo = b & 0x7f;
    for (let shift = 7; shift < 28 && b & 0x80; shift += 7) {
      b = this.byte();
      lo |= (b & 0x7f) << shift;
    }
    if (b & 0x80) {
      b = this.byte();
      lo |= (b & 0x0f) << 28;
      hi = (b & 0x7f) >>> 4;
      for (let shift = 3; b & 0x80; shift += 7) {
        if (shift > 31) throw new RangeError('Avro long longer than 10 bytes');
        b = this.byte();
        hi |= (b & 0x7f) << shift;
      }
    }
    // Zigzag: the magnitude is the value shifted right by one, the low bit its sign.
    let mLo = ((lo >>> 1) | (hi << 31)) >>> 0;
    let mHi = hi >>> 1;
    if (lo & 1) {
      mLo = ~mLo >>> 0;
      mHi = ~mHi >>> 0;
    }
    WORDS.setUint32(0, mLo, true);
    WORDS.setUint32(4, mHi, true);
  }

  /** An int or long as a number (as `Number(long)`): counts, lengths, indexes. */
  int(): number {
    const start = this.pos;
    let n = 0;
    let mul = 1;
    for (let k = 0; k < 7; k++, mul *= 128) {
      const b = this.byte();
      n += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return n % 2 === 1 ? -(n + 1) / 2 : n / 2;
    }
    // Past 49 bits a number is no longer exact: the bigint path, rounded as Number() does.
    this.pos = start;
    return Number(this.long());
  }

  /** True when the next string is `s` (ASCII); the cursor is left after the string. */
  stringIs(s: string): boolean {
    const len = this.int();
    const end = this.pos + len;
    if (len < 0 || end > this.buf.length) throw new RangeError('truncated Avro string');
    let same = len === s.length;
    for (let i = 0; same && i < len; i++) same = this.buf[this.pos + i] === s.charCodeAt(i);
    this.pos = end;
    return same;
  }

  /** Whether bytes [start, start + s.length) are the ASCII string `s` (the caller checked they exist). */
  asciiAt(start: number, s: string): boolean {
    for (let i = 0; i < s.length; i++) if (this.buf[start + i] !== s.charCodeAt(i)) return false;
    return true;
  }

  /** Whether the bytes at the cursor begin with `bytes` (the cursor does not move). */
  startsWith(bytes: Buffer): boolean {
    const end = this.pos + bytes.length;
    return end <= this.buf.length && this.buf.compare(bytes, 0, bytes.length, this.pos, end) === 0;
  }

  /** Bytes [start, end) read so far, as a view (no copy). */
  slice(start: number, end: number): Buffer {
    return this.buf.subarray(start, end);
  }

  /** A copy of bytes [start, end) read so far. */
  copy(start: number, end: number): Buffer {
    return Buffer.from(this.buf.subarray(start, end));
  }

  bool(): boolean {
    return this.byte() !== 0;
  }

  skipLong(): void {
    while (this.byte() & 0x80);
  }

  /** Skips a varint; returns its length in bytes. */
  skipVarint(): number {
    const at = this.pos;
    while (this.byte() & 0x80);
    return this.pos - at;
  }

  /** The byte at `at` (inside what was read). */
  byteAt(at: number): number {
    return this.buf[at] as number;
  }

  /** Whether bytes [start, end) are lowercase hex digits, not all '0' (a valid OTLP id). */
  isHexId(start: number, end: number): boolean {
    let nonZero = false;
    for (let i = start; i < end; i++) {
      const b = this.buf[i] as number;
      if (b === 0x30) continue;
      if (!((b > 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66))) return false;
      nonZero = true;
    }
    return nonZero;
  }

  /** Bytes [start, end), known to be ASCII, as a string. */
  ascii(start: number, end: number): string {
    return latin1Slice ? latin1Slice.call(this.buf, start, end) : this.buf.toString('latin1', start, end);
  }

  string(): string {
    const len = this.int();
    const end = this.pos + len;
    if (len < 0 || end > this.buf.length) throw new RangeError('truncated Avro string');
    const s = utf8Slice ? utf8Slice.call(this.buf, this.pos, end) : this.buf.toString('utf8', this.pos, end);
    this.pos = end;
    return s;
  }

  /** Skips a string or bytes value; returns its length in bytes. */
  skipBytes(): number {
    const len = this.int();
    this.pos += len;
    if (len < 0 || this.pos > this.buf.length) throw new RangeError('truncated Avro bytes');
    return len;
  }

  bytes(): Uint8Array {
    const len = this.int();
    const end = this.pos + len;
    if (len < 0 || end > this.buf.length) throw new RangeError('truncated Avro bytes');
    const out = new Uint8Array(this.buf.subarray(this.pos, end));
    this.pos = end;
    return out;
  }

  double(): number {
    if (this.pos + 8 > this.buf.length) throw new RangeError('truncated Avro double');
    const d = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return d;
  }

  /** Calls `item` for each item of an array (blocks with a negative count carry a byte size). */
  array(item: (i: number) => void): void {
    let i = 0;
    for (let n = this.int(); n !== 0; n = this.int()) {
      if (n < 0) {
        n = -n;
        this.skipLong();
      }
      for (let k = 0; k < n; k++) item(i++);
    }
  }

  get atEnd(): boolean {
    return this.pos === this.buf.length;
  }
}

/**
 * The last value a reader made, kept with a copy of the bytes it read. Where a cursor's next
 * bytes are the same again it is returned without reading them: Avro is self-delimiting, so
 * equal bytes read as the same value, checked the same, and end at the same place. `context`
 * is what else the read depended on; a value read under another is not reused. The value is
 * shared by every read that reuses it, so it must not be changed.
 */
export class LastRead<T, C> {
  private bytes: Buffer | undefined;
  private context: C | undefined;
  private value: T | undefined;

  read(c: Cursor, context: C, reader: (c: Cursor, context: C) => T): T {
    if (this.bytes !== undefined && this.context === context && c.startsWith(this.bytes)) {
      c.pos += this.bytes.length;
      return this.value as T;
    }
    const start = c.pos;
    const value = reader(c, context);
    this.bytes = c.copy(start, c.pos);
    this.context = context;
    this.value = value;
    return value;
  }
}
