import type { Clock } from './clock.ts';
import type { StreamsMetrics } from './metrics.ts';

/** RocksDB's key estimate is a property read per store: refreshed at most this often. */
const ENTRIES_INTERVAL_MS = 10_000;

interface SizedStore {
  cacheSize(): number;
  memoryBytes(): number;
  approximateNumEntries(): Promise<number>;
}

/** A task's store-size gauges (`tailstream_streams_store_entries`, `_store_cache_entries`, `_store_memory_bytes`), labelled app, task, store. */
export class StoreGauges {
  private entriesAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly metrics: StreamsMetrics,
    private readonly clock: Clock,
    private readonly app: string,
    private readonly task: number,
  ) {}

  /** Before a commit: the write-cache entries it is about to flush. */
  cache(stores: ReadonlyMap<string, SizedStore>): void {
    for (const [store, s] of stores) {
      this.metrics.storeCacheEntries.set(s.cacheSize(), this.labels(store));
      this.metrics.storeMemoryBytes.set(s.memoryBytes(), this.labels(store));
    }
  }

  /** After a commit: RocksDB's estimate of the entries each store holds. */
  async entries(stores: ReadonlyMap<string, SizedStore>): Promise<void> {
    const now = this.clock.now();
    if (now - this.entriesAt < ENTRIES_INTERVAL_MS) return;
    this.entriesAt = now;
    for (const [store, s] of stores) this.metrics.storeEntries.set(await s.approximateNumEntries(), this.labels(store));
  }

  /** The task closed: its series go. */
  remove(stores: Iterable<string>): void {
    for (const store of stores) {
      this.metrics.storeEntries.remove(this.labels(store));
      this.metrics.storeCacheEntries.remove(this.labels(store));
      this.metrics.storeMemoryBytes.remove(this.labels(store));
    }
  }

  private labels(store: string): { app: string; task: string; store: string } {
    return { app: this.app, task: String(this.task), store };
  }
}
