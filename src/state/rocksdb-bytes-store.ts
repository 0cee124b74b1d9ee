import { mkdirSync } from 'node:fs';
import RocksDB from 'rocksdb-native';
import { StoreIoError } from './store-io-error.ts';
import { errorMessage } from '../util/errors.ts';

/**
 * Bounded memory per store: a task opens several RocksDB instances, so each gets small
 * memtables, and index/filter blocks of flushed files live in the (bounded) block cache
 * instead of being pinned — pinned blocks grow with the data on disk.
 */
const STORE_OPTIONS = {
  writeBufferSize: 16 * 1024 * 1024,
  maxWriteBufferNumber: 2,
  tableCacheIndexAndFilterBlocks: true,
  topLevelIndexPinningTier: 1, // FLUSHED_AND_SIMILAR: only L0-like, recently flushed files
  partitionPinningTier: 1,
  unpartitionedPinningTier: 1,
};

/** One RocksDB database holding raw bytes: the innermost store layer, one per store per task. */
export class RocksBytesStore {
  private constructor(
    readonly path: string,
    private readonly db: RocksDB,
  ) {}

  static async open(path: string): Promise<RocksBytesStore> {
    mkdirSync(path, { recursive: true });
    const db = new RocksDB(path, STORE_OPTIONS);
    try {
      await db.ready();
    } catch (err) {
      throw new StoreIoError(`cannot open RocksDB store at ${path}: ${errorMessage(err)}`, { cause: err });
    }
    return new RocksBytesStore(path, db);
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    try {
      return (await this.db.get(key)) ?? undefined;
    } catch (err) {
      throw this.ioError('read', err);
    }
  }

  /** Several keys through one read batch: one trip into the native side instead of one per key. */
  async getMany(keys: readonly Buffer[]): Promise<Array<Buffer | undefined>> {
    if (keys.length === 1) return [await this.get(keys[0] as Buffer)];
    const batch = this.db.read();
    try {
      const pending = keys.map((k) => batch.get(k));
      await batch.flush();
      return (await Promise.all(pending)).map((v) => v ?? undefined);
    } catch (err) {
      throw this.ioError('read', err);
    } finally {
      batch.destroy();
    }
  }

  /** Applies puts and deletes (value null) atomically. */
  async write(entries: Iterable<readonly [Buffer, Buffer | null]>): Promise<void> {
    const batch = this.db.write();
    try {
      for (const [k, v] of entries) {
        if (v === null) batch.tryDelete(k);
        else batch.tryPut(k, v);
      }
      await batch.flush();
    } catch (err) {
      throw this.ioError('write', err);
    } finally {
      batch.destroy();
    }
  }

  /** Fatal for the task (see StoreIoError): the record is not to blame. */
  private ioError(op: string, err: unknown): StoreIoError {
    return new StoreIoError(`RocksDB ${op} failed at ${this.path}: ${errorMessage(err)}`, { cause: err });
  }

  /** Keys in [from, to) in byte order (to undefined = to the end). */
  iterate(from: Buffer, to?: Buffer, reverse = false): AsyncIterable<{ key: Buffer; value: Buffer }> {
    const range: { gte: Buffer; lt?: Buffer; reverse: boolean; capacity: number } = { gte: from, reverse, capacity: 256 };
    if (to) range.lt = to;
    return this.db.iterator(range);
  }

  async approximateNumEntries(): Promise<number> {
    const v = await this.db.getProperty('rocksdb.estimate-num-keys');
    return Number(v) || 0;
  }

  /**
   * Rewrites every file of the store: deleted entries and their tombstones leave the disk
   * (RocksDB keeps them until a compaction reaches them, and a small store may never get one).
   */
  async compact(): Promise<void> {
    try {
      await this.db.compactRange(null, null);
    } catch (err) {
      throw this.ioError('compaction', err);
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
