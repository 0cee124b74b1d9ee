import { stringSerde, type Serde } from '../serde/serde.ts';
import { RecentlyWritten } from './recently-written.ts';
import type { Changes, ResidentEntries } from './resident-entries.ts';
import type { RocksBytesStore } from './rocksdb-bytes-store.ts';
import { SortedKeys } from './sorted-keys.ts';
import type { KeyValue, KeyValueStore, StoreSpec } from './store.ts';

const ASCII = /^[\x00-\x7f]*$/;

/** One change for the changelog topic: key bytes and value bytes (null = tombstone). */
export interface ChangelogEntry {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

/** Reports cache pressure so the runtime can commit early instead of growing without bound. */
export interface StoreHooks {
  onCacheFull(store: string): void;
  /** A compaction failed: nothing is lost, the deleted entries keep their space until the next. */
  onCompactionFailed?(store: string, err: unknown): void;
}

const DEFAULT_MAX_CACHE_ENTRIES = 50_000;
/** Bytes of the values the last commits wrote that a store keeps for reads (RecentlyWritten). */
const RECENTLY_WRITTEN_BYTES = 1024 * 1024;

/**
 * The store a processor gets: serdes outside, a write cache of uncommitted changes in the
 * middle, RocksDB inside. Changes stay in the cache until the task commits; then
 * `takeChanges()` hands them to the changelog and `applyChanges()` writes them to RocksDB
 * once the changelog (and, under exactly-once, the transaction) is acknowledged. So RocksDB
 * never holds state the changelog lacks, and a rebalance rolls back by dropping the cache.
 * Keys are kept in the cache as latin1 strings: one char per byte, so string order is
 * byte order and scans can merge cache and RocksDB. A store its task rebuilds on open may
 * keep its committed entries in memory instead (`ResidentEntries`), up to a byte budget.
 */
export class TaskStore<K, V> implements KeyValueStore<K, V> {
  readonly name: string;
  private readonly keySerde: Serde<K>;
  private readonly valueSerde: Serde<V>;
  private readonly maxCacheEntries: number;
  readonly changelogged: boolean;
  /** Uncommitted changes: key (latin1) → value bytes, or null for a delete. */
  private dirty = new Map<string, Buffer | null>();
  /** The dirty keys in order, so scans cost what they return rather than the cache size. */
  private dirtyKeys = new SortedKeys();
  /** Keys `insert`ed since the last commit: a delete of one of them leaves nothing to commit. */
  private inserted = new Set<string>();
  /**
   * Changes taken for the commit in progress; still visible to reads until applied. The
   * runtime may go on processing while that commit is sent, so they are scanned by range too.
   */
  private committing = new Map<string, Buffer | null>();
  private committingKeys = new SortedKeys();
  private cacheFullSignalled = false;
  /** Callers of compactAfterCommit waiting for the next commit. */
  private compactionWaiters: Array<() => void> = [];
  private compaction: Promise<void> | undefined;
  private readonly recent = new RecentlyWritten(RECENTLY_WRITTEN_BYTES);

  constructor(
    spec: StoreSpec,
    private readonly inner: RocksBytesStore,
    private readonly hooks: StoreHooks,
    /** Committed entries held in memory: only for a store that starts empty when its task opens. */
    private readonly resident?: ResidentEntries,
  ) {
    this.name = spec.name;
    this.keySerde = spec.keySerde as Serde<K>;
    this.valueSerde = spec.valueSerde as Serde<V>;
    this.maxCacheEntries = spec.maxCacheEntries ?? DEFAULT_MAX_CACHE_ENTRIES;
    this.changelogged = spec.changelog ?? true;
  }

  /**
   * The key's cache form (latin1: one char per byte). A string key in plain ASCII, under the
   * UTF-8 string serde, is its own: no Buffer is made for it.
   */
  private cacheKey(key: K): string {
    if (this.keySerde === stringSerde && typeof key === 'string' && ASCII.test(key)) return key;
    return this.keySerde.serialize(key).toString('latin1');
  }

  /** The key a cache key stands for (cacheKey's inverse). */
  private keyOf(k: string): K {
    if (this.keySerde === stringSerde && ASCII.test(k)) return k as K;
    return this.keySerde.deserialize(Buffer.from(k, 'latin1'));
  }

  async get(key: K): Promise<V | undefined> {
    const k = this.cacheKey(key);
    const cached = this.lookupCache(k);
    if (cached !== undefined) return cached === null ? undefined : this.valueSerde.deserialize(cached);
    if (!this.rocksMayHold) return undefined;
    const stored = await this.inner.get(Buffer.from(k, 'latin1'));
    return stored === undefined ? undefined : this.valueSerde.deserialize(stored);
  }

  async getMany(keys: readonly K[]): Promise<Array<V | undefined>> {
    const out: Array<V | undefined> = new Array<V | undefined>(keys.length).fill(undefined);
    const misses: Buffer[] = [];
    const missAt: number[] = [];
    keys.forEach((key, i) => {
      const k = this.cacheKey(key);
      const cached = this.lookupCache(k);
      if (cached === undefined) {
        misses.push(Buffer.from(k, 'latin1'));
        missAt.push(i);
      } else if (cached !== null) {
        out[i] = this.valueSerde.deserialize(cached);
      }
    });
    if (misses.length > 0 && this.rocksMayHold) {
      const stored = await this.inner.getMany(misses);
      stored.forEach((v, j) => {
        if (v !== undefined) out[missAt[j] as number] = this.valueSerde.deserialize(v);
      });
    }
    return out;
  }

  async put(key: K, value: V): Promise<void> {
    this.record(this.cacheKey(key), this.valueSerde.serialize(value));
  }

  async insert(key: K, value: V): Promise<void> {
    const k = this.cacheKey(key);
    this.record(k, this.valueSerde.serialize(value));
    this.inserted.add(k);
  }

  async delete(key: K): Promise<void> {
    this.record(this.cacheKey(key), null);
  }

  async writeBatch(entries: Iterable<{ key: K; value: V | undefined }>): Promise<void> {
    for (const e of entries) {
      const k = this.cacheKey(e.key);
      this.record(k, e.value === undefined ? null : this.valueSerde.serialize(e.value));
    }
  }

  range(from: K, to?: K, opts: { limit?: number; reverse?: boolean } = {}): AsyncIterable<KeyValue<K, V>> {
    const fromB = this.keySerde.serialize(from);
    const toB = to === undefined ? undefined : this.keySerde.serialize(to);
    return this.scan(fromB, toB, opts.limit ?? Infinity, opts.reverse ?? false);
  }

  prefixScan(prefix: K, opts: { limit?: number } = {}): AsyncIterable<KeyValue<K, V>> {
    const p = this.keySerde.serialize(prefix);
    return this.scan(p, prefixEnd(p), opts.limit ?? Infinity, false);
  }

  all(): AsyncIterable<KeyValue<K, V>> {
    return this.scan(Buffer.alloc(0), undefined, Infinity, false);
  }

  async approximateNumEntries(): Promise<number> {
    return (await this.inner.approximateNumEntries()) + this.dirty.size + (this.resident?.size ?? 0);
  }

  /** Entries waiting for the next commit (a bounded buffer: see maxCacheEntries). */
  cacheSize(): number {
    return this.dirty.size + this.committing.size;
  }

  /** Bytes of committed entries held in memory: resident ones, or the values the last commits wrote. */
  memoryBytes(): number {
    return this.resident?.byteSize ?? this.recent.byteSize;
  }

  /** Commit phase 1: moves the dirty changes aside and returns them for the changelog. */
  takeChanges(): ChangelogEntry[] {
    this.stageChanges();
    return [...this.committing].map(([k, v]) => ({ key: Buffer.from(k, 'latin1'), value: v }));
  }

  /** Commit phase 1 for a store without a changelog: its changes go to RocksDB at phase 2. */
  stageChanges(): void {
    if (this.committing.size === 0) {
      // The usual case: the dirty keys, already in order, become the committing ones.
      this.committingKeys = this.dirtyKeys;
      this.dirtyKeys = new SortedKeys();
    } else {
      for (const k of this.dirty.keys()) this.committingKeys.add(k);
      this.dirtyKeys.clear();
    }
    for (const [k, v] of this.dirty) if (v !== null || !this.inserted.has(k)) this.committing.set(k, v);
    this.dirty = new Map();
    this.inserted = new Set();
    this.cacheFullSignalled = false;
  }

  /** Commit phase 2 (after the changelog is acknowledged): writes the taken changes to RocksDB. */
  async applyChanges(): Promise<void> {
    if (this.resident) {
      await this.applyToResident(this.resident);
    } else if (this.committing.size > 0) {
      await this.writeRocks(this.committing);
      this.recent.note(this.committing);
      this.committing = new Map();
      this.committingKeys = new SortedKeys();
    }
    if (this.compactionWaiters.length > 0) this.startCompaction();
  }

  /** Whether RocksDB may hold entries: always, unless a resident store has not spilled since it opened empty. */
  private get rocksMayHold(): boolean {
    return this.resident?.mayBeInRocks ?? true;
  }

  /** Writes changes keyed by latin1 strings (the cache's form) to RocksDB in one batch. */
  private writeRocks(changes: Iterable<readonly [string, Buffer | null]>): Promise<void> {
    return this.inner.write(Array.from(changes, ([k, v]) => [Buffer.from(k, 'latin1'), v] as const));
  }

  /** The taken changes go to memory; RocksDB gets only a spill past the budget (and deletes after one). */
  private async applyToResident(resident: ResidentEntries): Promise<void> {
    if (this.committing.size === 0) return;
    const changes = this.committing;
    this.committing = new Map();
    this.committingKeys = new SortedKeys();
    await this.toResident(resident, changes);
  }

  private async toResident(resident: ResidentEntries, changes: Changes): Promise<void> {
    const { writes, spill } = resident.apply(changes);
    if (writes.length > 0) await this.writeRocks(writes);
    if (spill) resident.spilled();
  }

  compactAfterCommit(): Promise<void> {
    return new Promise((resolve) => this.compactionWaiters.push(resolve));
  }

  /** One compaction at a time, not awaited by the commit: the task goes on processing. */
  private startCompaction(): void {
    const waiters = this.compactionWaiters;
    this.compactionWaiters = [];
    const run: Promise<void> = (this.compaction ?? Promise.resolve())
      .then(() => this.inner.compact())
      .catch((err: unknown) => this.hooks.onCompactionFailed?.(this.name, err))
      .finally(() => {
        if (this.compaction === run) this.compaction = undefined;
        for (const w of waiters) w();
      });
    this.compaction = run;
  }

  /** Drops uncommitted changes: the store is back at its last commit. */
  rollback(): void {
    this.dirty = new Map();
    this.inserted = new Set();
    this.dirtyKeys.clear();
    this.committing = new Map();
    this.committingKeys = new SortedKeys();
    this.cacheFullSignalled = false;
  }

  /** Restore: writes changelog records straight to RocksDB (they are committed state). */
  async restoreBatch(entries: readonly ChangelogEntry[]): Promise<void> {
    if (this.resident) return this.toResident(this.resident, new Map(entries.map((e) => [e.key.toString('latin1'), e.value])));
    this.recent.clear();
    await this.inner.write(entries.map((e) => [e.key, e.value] as const));
  }

  async flush(): Promise<void> {
    // Flushing is driven by the commit cycle (takeChanges/applyChanges); nothing else to do.
  }

  async close(): Promise<void> {
    this.rollback();
    await this.compaction;
    for (const w of this.compactionWaiters.splice(0)) w();
    await this.inner.close();
  }

  private record(k: string, v: Buffer | null): void {
    if (!this.dirty.has(k)) this.dirtyKeys.add(k);
    this.dirty.set(k, v);
    if (this.dirty.size >= this.maxCacheEntries && !this.cacheFullSignalled) {
      this.cacheFullSignalled = true;
      this.hooks.onCacheFull(this.name);
    }
  }

  /** The newest value `k` has in memory (null: deleted); undefined when only RocksDB can tell. */
  private lookupCache(k: string): Buffer | null | undefined {
    const d = this.dirty.get(k);
    if (d !== undefined) return d;
    const c = this.committing.get(k);
    if (c !== undefined) return c;
    return this.resident ? this.resident.get(k) : this.recent.get(k);
  }

  /**
   * Merges the memory layers (newest wins) with a RocksDB range iterator, in key order. The
   * layers are read at the start, before any await: a commit or a delete made while the
   * caller iterates cannot move what this scan returns. A scan with a limit reads them only
   * as far as its limit can reach.
   */
  private async *scan(from: Buffer, to: Buffer | undefined, limit: number, reverse: boolean): AsyncGenerator<KeyValue<K, V>> {
    const lo = from.toString('latin1');
    const hi = to?.toString('latin1');
    const layers: Array<Iterator<Entry>> = [layer(this.dirtyKeys.range(lo, hi), this.dirty), layer(this.committingKeys.range(lo, hi), this.committing)];
    if (this.resident) layers.push(this.resident.range(lo, hi));
    const memory = reverse ? [...newestFirst(layers)].reverse() : takeLive(newestFirst(layers), limit);
    const emit = (k: string, v: Buffer): KeyValue<K, V> => ({
      key: this.keyOf(k),
      value: this.valueSerde.deserialize(v),
    });
    const before = (a: string, b: string): boolean => (reverse ? a > b : a < b);
    let mi = 0;
    let emitted = 0;
    if (this.rocksMayHold) {
      for await (const { key, value } of this.inner.iterate(from, to, reverse)) {
        const dk = key.toString('latin1');
        for (; mi < memory.length && before((memory[mi] as Entry)[0], dk); mi++) {
          const [mk, mv] = memory[mi] as Entry;
          if (mv) {
            yield emit(mk, mv);
            if (++emitted >= limit) return;
          }
        }
        if (mi < memory.length && (memory[mi] as Entry)[0] === dk) {
          const mv = (memory[mi++] as Entry)[1];
          if (!mv) continue; // deleted in memory
          yield emit(dk, mv);
        } else {
          yield emit(dk, value);
        }
        if (++emitted >= limit) return;
      }
    }
    for (; mi < memory.length; mi++) {
      const [mk, mv] = memory[mi] as Entry;
      if (mv) {
        yield emit(mk, mv);
        if (++emitted >= limit) return;
      }
    }
  }
}

/** A key (latin1) and its value bytes, or null for a delete. */
type Entry = readonly [string, Buffer | null];

/** A cache layer's entries in key order: its sorted keys that still hold a change. */
function* layer(keys: Iterable<string>, changes: ReadonlyMap<string, Buffer | null>): Generator<Entry> {
  for (const k of keys) {
    const v = changes.get(k);
    if (v !== undefined) yield [k, v];
  }
}

/** Layers in key order, newest first: each key once, from the newest layer that has it. */
function* newestFirst(layers: Array<Iterator<Entry>>): Generator<Entry> {
  const heads = layers.map((l) => l.next());
  for (;;) {
    let min: string | undefined;
    for (const h of heads) if (!h.done && (min === undefined || h.value[0] < min)) min = h.value[0];
    if (min === undefined) return;
    let newest: Entry | undefined;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i] as IteratorResult<Entry>;
      if (h.done || h.value[0] !== min) continue;
      newest ??= h.value;
      heads[i] = (layers[i] as Iterator<Entry>).next();
    }
    yield newest as Entry;
  }
}

/**
 * The entries up to the `limit`-th that holds a value (deletes in between kept, as they hide
 * RocksDB entries): a scan limited so returns nothing past the last of them.
 */
function takeLive(entries: Iterable<Entry>, limit: number): Entry[] {
  const out: Entry[] = [];
  let live = 0;
  for (const e of entries) {
    out.push(e);
    if (e[1] !== null && ++live >= limit) break;
  }
  return out;
}

/** Smallest key greater than every key starting with `prefix`; undefined if none (all 0xff). */
export function prefixEnd(prefix: Buffer): Buffer | undefined {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}
