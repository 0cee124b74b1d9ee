/**
 * Store keys of trace assembly. Time-ordered indexes put a 13-digit zero-padded ms first so
 * "everything due by now" is one range scan.
 */
const pad = (ms: number): string => String(Math.max(0, Math.floor(ms))).padStart(13, '0');

/** `traceId|<entry no>`: a trace's buffer entries, in arrival order. */
export const entryKey = (traceId: string, n: number): string => `${traceId}|${String(n).padStart(8, '0')}`;
export const entryPrefix = (traceId: string): string => `${traceId}|`;

/** Deadline index entry: `<deadline ms>|traceId`. */
export const deadlineKey = (ms: number, traceId: string): string => `${pad(ms)}|${traceId}`;
/** Upper bound (exclusive) of index keys due at or before `ms`. */
export const dueBefore = (ms: number): string => `${pad(ms + 1)}|`;
export const INDEX_START = `${pad(0)}|`;

export function traceIdOfIndexKey(key: string): string {
  return key.slice(14);
}

/**
 * Where a time-ordered index (the deadlines) is live: every entry below
 * `from` was taken, so scans start here instead of stepping over the tombstones those
 * takes left (RocksDB keeps them until compaction, and a scan from the start paid for all
 * of them on every tick). A key put below it lowers it; a rollback resets it.
 */
export class IndexScanMark {
  from = INDEX_START;

  /** Call for every key put into the index. */
  put(key: string): void {
    if (key < this.from) this.from = key;
  }

  /** After a scan that took every entry below `upTo`. */
  advance(upTo: string): void {
    if (upTo > this.from) this.from = upTo;
  }

  reset(): void {
    this.from = INDEX_START;
  }
}
