import type { Serde } from '../serde/serde.ts';

export interface KeyValue<K, V> {
  readonly key: K;
  readonly value: V;
}

/** Lifecycle every store has, whatever it holds (Kafka Streams' StateStore). */
export interface StateStore {
  readonly name: string;
  /** Writes buffered changes to the local engine; called by the runtime's commit cycle. */
  flush(): Promise<void>;
  /**
   * Reclaims the disk space of deleted entries once the next commit has written the deletes
   * (RocksDB keeps them, and their tombstones, until a compaction reaches them). The
   * compaction runs beside processing; the promise resolves when it is done or the store
   * closes first. It changes no entry, so the changelog is untouched.
   */
  compactAfterCommit(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A persistent, change-logged key/value store. Key bytes sort lexicographically, so
 * range and prefix scans return keys in serialized-byte order; choose key serdes that
 * sort the way you scan (strings with fixed-width numeric parts do).
 */
export interface KeyValueStore<K, V> extends StateStore {
  get(key: K): Promise<V | undefined>;
  /** Values of `keys` in their order; the misses are read from disk in one batch. */
  getMany(keys: readonly K[]): Promise<Array<V | undefined>>;
  put(key: K, value: V): Promise<void>;
  /**
   * Puts a key the caller knows no committed state holds (its own index says so). Deleted
   * again before the next commit, neither change reaches the changelog or RocksDB.
   */
  insert(key: K, value: V): Promise<void>;
  delete(key: K): Promise<void>;
  /** Puts and deletes (value undefined) applied together. */
  writeBatch(entries: Iterable<{ key: K; value: V | undefined }>): Promise<void>;
  /** Keys in [from, to) in byte order; `to` undefined means to the end. */
  range(from: K, to?: K, opts?: { limit?: number; reverse?: boolean }): AsyncIterable<KeyValue<K, V>>;
  /** Keys whose serialized form starts with the serialized prefix. */
  prefixScan(prefix: K, opts?: { limit?: number }): AsyncIterable<KeyValue<K, V>>;
  all(): AsyncIterable<KeyValue<K, V>>;
  /** Entries in the store, approximate (RocksDB's estimate plus the write cache). */
  approximateNumEntries(): Promise<number>;
}

/** What a processor supplier declares; the runtime builds one store per task from it. */
export interface StoreSpec<K = unknown, V = unknown> {
  readonly name: string;
  readonly keySerde: Serde<K>;
  readonly valueSerde: Serde<V>;
  /** Change-log to `<appId>-<name>-changelog` (default true). */
  readonly changelog?: boolean;
  /** Dirty entries held before a commit is requested (bounds the write cache). */
  readonly maxCacheEntries?: number;
  /**
   * Committed entries up to this many bytes stay in memory instead of RocksDB; past it they
   * all spill to RocksDB. Only for a store that starts empty when its task opens: an unlogged
   * one its topology rebuilds by replaying the sources, or a change-logged one, which is then
   * restored from the start of its changelog (Kafka Streams' in-memory store).
   */
  readonly residentBytes?: number;
}

export function storeSpec<K, V>(
  name: string,
  keySerde: Serde<K>,
  valueSerde: Serde<V>,
  opts: { changelog?: boolean; maxCacheEntries?: number; residentBytes?: number } = {},
): StoreSpec<K, V> {
  return { name, keySerde, valueSerde, ...opts };
}

export function changelogTopic(appId: string, storeName: string): string {
  return `${appId}-${storeName}-changelog`;
}
