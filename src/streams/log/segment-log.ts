import { closeSync, fdatasync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RawRecord } from '../record.ts';
import { decodeFrame, encodeFrame, frameLength } from './frame.ts';
import { FileError } from '../../util/errors.ts';

interface Segment {
  readonly base: number;
  readonly path: string;
  readonly fd: number;
  /** Byte position of each record in the file; record `base + i` starts at positions[i]. */
  readonly positions: number[];
  size: number;
}

export interface SegmentLogOptions {
  /** A segment is rolled once it holds this many bytes (default 16 MiB); deletion is per segment. */
  readonly segmentBytes?: number;
  /** First offset of a log that has no segment yet (default 0). */
  readonly initialOffset?: number;
}

const SUFFIX = '.log';
const segmentName = (base: number): string => `${String(base).padStart(20, '0')}${SUFFIX}`;

/**
 * One partition as an append-only log of segment files, Kafka's layout in miniature.
 * `append` writes to the OS (survives kill -9 of this process); `sync` makes everything
 * appended so far durable (fdatasync), sharing one flush among all callers waiting at the
 * time (group commit); readers see only synced records. On open, a torn record at the end
 * of the last segment (a crash mid-write) is cut off.
 */
export class SegmentLog {
  private readonly segments: Segment[] = [];
  private readonly segmentBytes: number;
  private end = 0;
  private synced = 0;
  private flushing: Promise<void> | undefined;

  private constructor(
    readonly dir: string,
    opts: SegmentLogOptions,
  ) {
    this.segmentBytes = opts.segmentBytes ?? 16 * 1024 * 1024;
  }

  static open(dir: string, opts: SegmentLogOptions = {}): SegmentLog {
    mkdirSync(dir, { recursive: true });
    const log = new SegmentLog(dir, opts);
    const bases = readdirSync(dir)
      .filter((f) => f.endsWith(SUFFIX))
      .map((f) => Number(f.slice(0, -SUFFIX.length)))
      .sort((a, b) => a - b);
    bases.forEach((base, i) => log.recover(base, i === bases.length - 1));
    if (log.segments.length === 0) {
      log.end = opts.initialOffset ?? 0;
      log.roll(log.end);
    }
    log.synced = log.end;
    return log;
  }

  /** Next offset to be written. */
  endOffset(): number {
    return this.end;
  }

  /** Offsets below this are on disk (fdatasync'd) and visible to readers. */
  syncedOffset(): number {
    return this.synced;
  }

  /** First offset still held (earlier segments were deleted). */
  startOffset(): number {
    return (this.segments[0] as Segment).base;
  }

  /** Bytes held in segment files. */
  sizeBytes(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }

  /** Writes one record to the active segment and returns its offset; durable after `sync`. */
  append(record: RawRecord): number {
    let seg = this.segments[this.segments.length - 1] as Segment;
    if (seg.size >= this.segmentBytes) {
      fsyncSync(seg.fd);
      seg = this.roll(this.end);
    }
    const frame = encodeFrame(record);
    try {
      writeSync(seg.fd, frame, 0, frame.length, seg.size);
    } catch (err) {
      // A full disk can take part of the frame: cut it, so the next append starts where
      // `positions` says (the file is opened for appending) and a reader never sees it.
      ftruncateSync(seg.fd, seg.size);
      throw err;
    }
    seg.positions.push(seg.size);
    seg.size += frame.length;
    return this.end++;
  }

  /** Resolves once every record appended before the call is on disk. */
  async sync(): Promise<void> {
    const target = this.end;
    while (this.synced < target) {
      this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
      await this.flushing;
    }
  }

  /** Synced records from `from`, at most `max`. */
  read(from: number, max = Infinity): { offset: number; record: RawRecord }[] {
    const out: { offset: number; record: RawRecord }[] = [];
    let offset = Math.max(from, this.startOffset());
    const stop = Math.min(this.synced, offset + max);
    while (offset < stop) {
      const seg = this.segmentOf(offset);
      const last = Math.min(stop, seg.base + seg.positions.length);
      const startPos = seg.positions[offset - seg.base] as number;
      const endPos = last - seg.base < seg.positions.length ? (seg.positions[last - seg.base] as number) : seg.size;
      const buf = Buffer.allocUnsafe(endPos - startPos);
      readSync(seg.fd, buf, 0, buf.length, startPos);
      for (let at = 0; offset < last; offset++) {
        out.push({ offset, record: decodeFrame(buf, at) });
        at += buf.readUInt32LE(at) + 8;
      }
    }
    return out;
  }

  /** Deletes whole segments holding only offsets below `offset` (every reader is past them). */
  deleteBefore(offset: number): void {
    while (this.segments.length > 1 && (this.segments[1] as Segment).base <= offset) {
      const seg = this.segments.shift() as Segment;
      closeSync(seg.fd);
      unlinkSync(seg.path);
    }
  }

  /** Drops records from `offset` on (an aborted commit's outputs). */
  truncateTo(offset: number): void {
    if (offset >= this.end) return;
    while (this.segments.length > 1 && (this.segments[this.segments.length - 1] as Segment).base >= offset) {
      const seg = this.segments.pop() as Segment;
      closeSync(seg.fd);
      unlinkSync(seg.path);
    }
    const seg = this.segments[this.segments.length - 1] as Segment;
    const keep = Math.max(0, offset - seg.base);
    if (keep < seg.positions.length) {
      seg.size = seg.positions[keep] as number;
      seg.positions.length = keep;
      ftruncateSync(seg.fd, seg.size);
      fsyncSync(seg.fd);
    }
    this.end = seg.base + seg.positions.length;
    this.synced = Math.min(this.synced, this.end);
  }

  close(): void {
    for (const s of this.segments) closeSync(s.fd);
    this.segments.length = 0;
  }

  private async flush(): Promise<void> {
    const upTo = this.end;
    const fd = (this.segments[this.segments.length - 1] as Segment).fd;
    await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(new FileError('FILE_IO', this.dir, `fdatasync ${this.dir}: ${err.message}`, { cause: err })) : resolve())));
    if (upTo > this.synced) this.synced = upTo;
  }

  private roll(base: number): Segment {
    const path = join(this.dir, segmentName(base));
    const seg: Segment = { base, path, fd: openSync(path, 'a+'), positions: [], size: 0 };
    this.segments.push(seg);
    syncDir(this.dir);
    return seg;
  }

  /** Indexes a segment file; a torn tail is cut off in the last one, anywhere else it is corruption. */
  private recover(base: number, last: boolean): void {
    const path = join(this.dir, segmentName(base));
    if (base !== this.end && this.segments.length > 0) throw new FileError('FILE_CORRUPT', path, `log ${this.dir}: segment ${path} starts at ${base}, expected ${this.end}`);
    const bytes = readFileSync(path);
    const positions: number[] = [];
    let at = 0;
    for (let len = frameLength(bytes, at); len !== undefined; len = frameLength(bytes, at)) {
      positions.push(at);
      at += len;
    }
    const fd = openSync(path, 'r+');
    if (at < bytes.length) {
      if (!last) throw new FileError('FILE_CORRUPT', path, `log ${this.dir}: segment ${path} is corrupt at byte ${at} (not its last segment)`);
      ftruncateSync(fd, at);
      fsyncSync(fd);
    }
    this.segments.push({ base, path, fd, positions, size: at });
    this.end = base + positions.length;
  }

  private segmentOf(offset: number): Segment {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.segments[mid] as Segment).base <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.segments[lo] as Segment;
  }
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
