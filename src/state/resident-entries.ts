import { SortedKeys } from './sorted-keys.ts';

/** What an entry costs beyond its key and value bytes: map slot, key string, Buffer and its backing store (measured roughly). */
const ENTRY_OVERHEAD = 256;

/** Bytes an entry held in memory is counted as (null: a delete kept as such). */
export const entrySize = (k: string, v: Buffer | null): number => ENTRY_OVERHEAD + k.length + (v?.length ?? 0);

/**
 * `b`, or a copy of it when it is a view into a larger allocation: small Buffers share Node's
 * 8 KB pool, and an entry kept for long would keep its whole slab alive.
 */
export function ownBytes(b: Buffer): Buffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) return b;
  const own = Buffer.allocUnsafeSlow(b.length);
  b.copy(own);
  return own;
}

/** Changes to apply: latin1 key → value bytes, or null for a delete. */
export type Changes = ReadonlyMap<string, Buffer | null>;

/**
 * The committed entries of a store that starts empty whenever its task opens (unlogged and
 * rebuilt by replaying the sources, or restored from the start of its changelog), held in
 * memory up to a byte budget. Such a store's RocksDB copy is never read after a restart, so
 * below the budget it is only a place entries are written to, read back from and deleted in:
 * memory does that for less.
 * Past the budget everything spills to RocksDB, and from then on deletes reach RocksDB too.
 */
export class ResidentEntries {
  private readonly values = new Map<string, Buffer>();
  private readonly keys = new SortedKeys();
  private bytes = 0;
  /** Whether RocksDB may hold entries: not until the first spill, as the store opened empty. */
  private spilledOnce = false;

  constructor(readonly budgetBytes: number) {}

  get size(): number {
    return this.values.size;
  }

  /** Bytes held, overhead included (the gauge; at most the budget once a commit is applied). */
  get byteSize(): number {
    return this.bytes;
  }

  /** Whether a read that misses here must ask RocksDB. */
  get mayBeInRocks(): boolean {
    return this.spilledOnce;
  }

  get(key: string): Buffer | undefined {
    return this.values.get(key);
  }

  /**
   * Applies a commit's changes; returns what RocksDB must get: the deletes once anything
   * spilled, and every entry held when the budget is passed. After writing a spill the caller
   * calls `spilled()`; until then the entries stay readable here.
   */
  apply(changes: Changes): { writes: Array<readonly [string, Buffer | null]>; spill: boolean } {
    const writes: Array<readonly [string, Buffer | null]> = [];
    for (const [k, v] of changes) {
      const prev = this.values.get(k);
      if (prev !== undefined) this.bytes -= entrySize(k, prev);
      if (v === null) {
        if (prev !== undefined) {
          this.values.delete(k);
          this.keys.delete(k);
        }
        if (this.spilledOnce) writes.push([k, null]);
        continue;
      }
      if (prev === undefined) this.keys.add(k);
      this.values.set(k, ownBytes(v));
      this.bytes += entrySize(k, v);
    }
    if (this.bytes <= this.budgetBytes) return { writes, spill: false };
    for (const kv of this.values) writes.push(kv);
    return { writes, spill: true };
  }

  /** The spill `apply` asked for is in RocksDB: memory lets go of it. */
  spilled(): void {
    this.values.clear();
    this.keys.clear();
    this.bytes = 0;
    this.spilledOnce = true;
  }

  /** Entries with keys in [lo, hi) in key order (hi undefined = to the end). */
  *range(lo: string, hi?: string): Generator<readonly [string, Buffer]> {
    for (const k of this.keys.range(lo, hi)) yield [k, this.values.get(k) as Buffer];
  }
}
