import { mkdirSync } from 'node:fs';
import RocksDB from 'rocksdb-native';

/** One RocksDB database holding raw bytes: the innermost store layer, one per store per task. */
export class RocksBytesStore {
  private constructor(
    readonly path: string,
    private readonly db: RocksDB,
  ) {}

  static async open(path: string): Promise<RocksBytesStore> {
    mkdirSync(path, { recursive: true });
    const db = new RocksDB(path);
    try {
      await db.ready();
    } catch (err) {
      throw new Error(`cannot open RocksDB store at ${path}: ${(err as Error).message}`);
    }
    return new RocksBytesStore(path, db);
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    return (await this.db.get(key)) ?? undefined;
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
    } finally {
      batch.destroy();
    }
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

  async close(): Promise<void> {
    await this.db.close();
  }
}
