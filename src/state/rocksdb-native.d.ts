// Minimal typings for the parts of rocksdb-native (3.x) we use.
declare module 'rocksdb-native' {
  interface IteratorRange {
    gt?: Buffer;
    gte?: Buffer;
    lt?: Buffer;
    lte?: Buffer;
    reverse?: boolean;
    limit?: number;
    capacity?: number;
  }
  interface ReadBatch {
    get(key: Buffer): Promise<Buffer | null>;
    tryFlush(): void;
    flush(): Promise<void>;
    destroy(): void;
  }
  interface WriteBatch {
    tryPut(key: Buffer, value: Buffer): void;
    tryDelete(key: Buffer): void;
    tryDeleteRange(start: Buffer, end: Buffer): void;
    flush(): Promise<void>;
    destroy(): void;
  }
  class RocksDB {
    constructor(path: string, opts?: Record<string, unknown>);
    ready(): Promise<void>;
    close(): Promise<void>;
    get(key: Buffer): Promise<Buffer | null>;
    read(opts?: Record<string, unknown>): ReadBatch;
    write(opts?: Record<string, unknown>): WriteBatch;
    iterator(range: IteratorRange): AsyncIterable<{ key: Buffer; value: Buffer }>;
    flush(opts?: Record<string, unknown>): Promise<void>;
    getProperty(name: string): Promise<string>;
    approximateSize(start: Buffer, end: Buffer): Promise<number>;
    compactRange(start?: Buffer | null, end?: Buffer | null, opts?: Record<string, unknown>): Promise<void>;
  }
  export default RocksDB;
}
