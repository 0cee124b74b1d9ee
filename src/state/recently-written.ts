import { entrySize, ownBytes } from './resident-entries.ts';

/**
 * The values the last commits wrote to RocksDB (null: deleted), the newest kept up to a
 * byte budget. A processor that reads back a row it wrote a commit ago (a window's stats)
 * gets it from here: a RocksDB read waits for the thread pool, and the task waits with it.
 */
export class RecentlyWritten {
  private readonly values = new Map<string, Buffer | null>();
  private bytes = 0;

  constructor(private readonly budgetBytes: number) {}

  get byteSize(): number {
    return this.bytes;
  }

  /** The value RocksDB holds for `key` if written lately (null: deleted); undefined: ask RocksDB. */
  get(key: string): Buffer | null | undefined {
    return this.values.get(key);
  }

  /** Changes RocksDB has just applied; the oldest entries go past the budget. */
  note(changes: Iterable<readonly [string, Buffer | null]>): void {
    for (const [k, v] of changes) {
      const prev = this.values.get(k);
      if (prev !== undefined) {
        this.bytes -= entrySize(k, prev);
        this.values.delete(k);
      }
      this.values.set(k, v === null ? null : ownBytes(v));
      this.bytes += entrySize(k, v);
    }
    for (const [k, v] of this.values) {
      if (this.bytes <= this.budgetBytes) break;
      this.values.delete(k);
      this.bytes -= entrySize(k, v);
    }
  }

  /** RocksDB was written past the commits (a changelog restore): nothing here can be trusted. */
  clear(): void {
    this.values.clear();
    this.bytes = 0;
  }
}
