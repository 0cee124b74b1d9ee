/**
 * Byte writer and reader for the `trace_blobs` record format (trace-record.ts): varints,
 * zigzag 64-bit integers, and strings through a per-record table, so a string the record
 * already holds (an attribute key, a service's operation name) costs its index, not its bytes.
 */
import { SerdeError } from './errors.ts';

const TWO_53 = 2n ** 53n;
const TWO_52 = 2n ** 52n;

/** Lowercase hex digit values by character code, -1 for anything else. */
const NIBBLE = Int8Array.from({ length: 128 }, (_, c) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1));

export class RecordWriter {
  #buf = Buffer.allocUnsafe(4096);
  #pos = 0;

  #room(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + n));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  byte(b: number): void {
    this.#room(1);
    this.#buf[this.#pos++] = b;
  }

  /** A non-negative integer up to 2^53. */
  uint(n: number): void {
    this.#room(8);
    if (n < 0x8000_0000) {
      // Most values (lengths, indexes, offsets): int32 shifts instead of float division.
      while (n >= 0x80) {
        this.#buf[this.#pos++] = (n & 0x7f) | 0x80;
        n >>>= 7;
      }
      this.#buf[this.#pos++] = n;
      return;
    }
    while (n >= 0x80) {
      this.#buf[this.#pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.#buf[this.#pos++] = n;
  }

  /** A signed 64-bit integer, zigzag-coded. */
  long(n: bigint): void {
    if (n >= -TWO_52 && n < TWO_52) {
      // Zigzag in doubles (exact below 2^53): no bigint is allocated for the usual small offsets.
      const x = Number(n);
      return this.uint(x < 0 ? -2 * x - 1 : 2 * x);
    }
    const z = n < 0n ? -2n * n - 1n : 2n * n;
    if (z < TWO_53) return this.uint(Number(z));
    this.#room(10);
    let v = BigInt.asUintN(64, z);
    while (v >= 0x80n) {
      this.#buf[this.#pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#buf[this.#pos++] = Number(v);
  }

  double(x: number): void {
    this.#room(8);
    this.#pos = this.#buf.writeDoubleLE(x, this.#pos);
  }

  raw(b: Uint8Array): void {
    this.uint(b.length);
    this.#room(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
  }

  /**
   * `s` as its length in bytes and the bytes, when it is lowercase hex of an even length
   * below 256 digits; otherwise nothing is written and the result is false. One pass both
   * checks and converts: cheaper for 16- and 32-digit ids than a regular expression and
   * Buffer.write.
   */
  hexBytes(s: string): boolean {
    const n = s.length >>> 1;
    if (s.length !== n * 2 || n > 0x7f) return false;
    this.#room(1 + n);
    const buf = this.#buf;
    let p = this.#pos + 1;
    for (let i = 0; i < s.length; i += 2) {
      const hi = NIBBLE[s.charCodeAt(i)] ?? -1;
      const lo = NIBBLE[s.charCodeAt(i + 1)] ?? -1;
      if (hi < 0 || lo < 0) return false;
      buf[p++] = (hi << 4) | lo;
    }
    buf[this.#pos] = n;
    this.#pos = p;
    return true;
  }

  /** Length and UTF-8 bytes. */
  str(s: string): void {
    if (s.length < 128) {
      // Short ASCII (most keys and values) byte by byte: cheaper than a call into Buffer.write.
      this.#room(1 + s.length);
      const buf = this.#buf;
      let p = this.#pos + 1;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          p = -1;
          break;
        }
        buf[p++] = c;
      }
      if (p >= 0) {
        buf[this.#pos] = s.length;
        this.#pos = p;
        return;
      }
    }
    if (s.length < 43) {
      // At most 3 bytes a UTF-16 unit: the length fits one byte.
      this.#room(1 + s.length * 3);
      const n = this.#buf.write(s, this.#pos + 1, 'utf8');
      this.#buf[this.#pos] = n;
      this.#pos += 1 + n;
    } else {
      const n = Buffer.byteLength(s, 'utf8');
      this.uint(n);
      this.#room(n);
      this.#pos += this.#buf.write(s, this.#pos, 'utf8');
    }
  }

  /** The bytes written since the last reset: a view of the writer's buffer, not a copy. */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#pos);
  }

  /** Starts over, keeping the buffer: one writer serves a batch of records. */
  reset(): void {
    this.#pos = 0;
  }
}

export class RecordReader {
  #pos: number;

  constructor(private readonly buf: Buffer, start: number) {
    this.#pos = start;
  }

  #need(n: number): void {
    if (this.#pos + n > this.buf.length) throw new SerdeError('RECORD_FORMAT', `trace_blobs record: truncated at byte ${this.#pos} of ${this.buf.length}`);
  }

  byte(): number {
    this.#need(1);
    return this.buf[this.#pos++] as number;
  }

  uint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new SerdeError('RECORD_FORMAT', `trace_blobs record: varint too long at byte ${this.#pos}`);
    }
  }

  long(): bigint {
    let z = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      z |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7n;
      if (shift > 63n) throw new SerdeError('RECORD_FORMAT', `trace_blobs record: long too long at byte ${this.#pos}`);
    }
    return z & 1n ? -(z >> 1n) - 1n : z >> 1n;
  }

  double(): number {
    this.#need(8);
    const x = this.buf.readDoubleLE(this.#pos);
    this.#pos += 8;
    return x;
  }

  raw(): Uint8Array {
    const n = this.uint();
    this.#need(n);
    const out = new Uint8Array(this.buf.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    return out;
  }

  hex(bytes: number): string {
    this.#need(bytes);
    const s = this.buf.toString('hex', this.#pos, this.#pos + bytes);
    this.#pos += bytes;
    return s;
  }

  str(): string {
    const n = this.uint();
    this.#need(n);
    const s = this.buf.toString('utf8', this.#pos, this.#pos + n);
    this.#pos += n;
    return s;
  }

  done(): boolean {
    return this.#pos === this.buf.length;
  }
}
