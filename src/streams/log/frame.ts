import { crc32 } from 'node:zlib';
import type { RawRecord } from '../record.ts';

/** Bytes before each record on disk: payload length (u32) and CRC-32 of the payload (u32). */
export const FRAME_HEADER = 8;

/**
 * One record as a frame: `[length u32][crc32 u32][timestamp f64][key][value][headers]`,
 * key and value as `i32 length (-1 = null) + bytes`, headers as `u16 count` then
 * `u16 name length, name, u32 value length, value`. The CRC lets recovery tell a record
 * torn by a crash from a whole one.
 */
export function encodeFrame(r: RawRecord): Buffer {
  const headers = Object.entries(r.headers).map(([k, v]) => [Buffer.from(k), v] as const);
  let size = 8 + 4 + (r.key?.length ?? 0) + 4 + (r.value?.length ?? 0) + 2;
  for (const [k, v] of headers) size += 2 + k.length + 4 + v.length;
  const buf = Buffer.allocUnsafe(FRAME_HEADER + size);
  let o = FRAME_HEADER;
  o = buf.writeDoubleLE(r.timestamp, o);
  o = writeBytes(buf, o, r.key);
  o = writeBytes(buf, o, r.value);
  o = buf.writeUInt16LE(headers.length, o);
  for (const [k, v] of headers) {
    o = buf.writeUInt16LE(k.length, o);
    o += k.copy(buf, o);
    o = buf.writeUInt32LE(v.length, o);
    o += v.copy(buf, o);
  }
  buf.writeUInt32LE(size, 0);
  buf.writeUInt32LE(crc32(buf.subarray(FRAME_HEADER)), 4);
  return buf;
}

function writeBytes(buf: Buffer, o: number, b: Buffer | null): number {
  if (b === null) return buf.writeInt32LE(-1, o);
  o = buf.writeInt32LE(b.length, o);
  return o + b.copy(buf, o);
}

/** Length of the whole frame starting at `at`, or undefined if it is incomplete or its CRC fails. */
export function frameLength(buf: Buffer, at: number): number | undefined {
  if (buf.length - at < FRAME_HEADER) return undefined;
  const len = buf.readUInt32LE(at);
  const end = at + FRAME_HEADER + len;
  if (end > buf.length) return undefined;
  if (crc32(buf.subarray(at + FRAME_HEADER, end)) !== buf.readUInt32LE(at + 4)) return undefined;
  return FRAME_HEADER + len;
}

/** Decodes the frame at `at` (already checked by frameLength). Copies out of `buf`. */
export function decodeFrame(buf: Buffer, at: number): RawRecord {
  let o = at + FRAME_HEADER;
  const timestamp = buf.readDoubleLE(o);
  o += 8;
  const key = readBytes(buf, o);
  o = key.next;
  const value = readBytes(buf, o);
  o = value.next;
  const n = buf.readUInt16LE(o);
  o += 2;
  const headers: Record<string, Buffer> = {};
  for (let i = 0; i < n; i++) {
    const kl = buf.readUInt16LE(o);
    const k = buf.toString('utf8', o + 2, o + 2 + kl);
    o += 2 + kl;
    const vl = buf.readUInt32LE(o);
    headers[k] = Buffer.from(buf.subarray(o + 4, o + 4 + vl));
    o += 4 + vl;
  }
  return { key: key.bytes, value: value.bytes, timestamp, headers };
}

function readBytes(buf: Buffer, o: number): { bytes: Buffer | null; next: number } {
  const len = buf.readInt32LE(o);
  if (len < 0) return { bytes: null, next: o + 4 };
  return { bytes: Buffer.from(buf.subarray(o + 4, o + 4 + len)), next: o + 4 + len };
}
