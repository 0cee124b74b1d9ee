import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RocksBytesStore } from '../../../src/state/rocksdb-bytes-store.ts';
import { storeSpec } from '../../../src/state/store.ts';
import { prefixEnd, TaskStore } from '../../../src/state/task-store.ts';
import { stringSerde } from '../../../src/serde/serde.ts';
import { measureStateDir } from '../../../src/storage/state-dir-usage.ts';

let dir: string;
let store: TaskStore<string, string>;
let cacheFull = 0;

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
const keys = async (it: AsyncIterable<{ key: string }>) => (await collect(it)).map((kv) => kv.key);

/** Commits the cache to RocksDB, as the runtime's commit cycle does. */
async function commit(): Promise<void> {
  store.takeChanges();
  await store.applyChanges();
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'task-store-'));
  cacheFull = 0;
  store = new TaskStore<string, string>(
    storeSpec('s', stringSerde, stringSerde, { maxCacheEntries: 5 }),
    await RocksBytesStore.open(dir),
    { onCacheFull: () => cacheFull++ },
  );
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

// The same contract must hold whether entries sit in the write cache, in RocksDB, or both.
describe.each([
  ['in the write cache', false],
  ['in RocksDB', true],
])('TaskStore with entries %s', (_name, committed) => {
  beforeEach(async () => {
    await store.writeBatch(['t1|a', 't1|b', 't1|c', 't2|a', 't3|x'].map((k) => ({ key: k, value: `v:${k}` })));
    if (committed) await commit();
  });

  it('gets, overwrites and deletes', async () => {
    expect(await store.get('t1|b')).toBe('v:t1|b');
    await store.put('t1|b', 'new');
    await store.delete('t2|a');
    expect(await store.get('t1|b')).toBe('new');
    expect(await store.get('t2|a')).toBeUndefined();
    await commit();
    expect(await store.get('t1|b')).toBe('new');
    expect(await store.get('t2|a')).toBeUndefined();
  });

  it('gets many in key order, mixing cache hits, cached deletes, disk and misses', async () => {
    await store.put('t1|a', 'cached');
    await store.delete('t1|c');
    const want = ['t3|x', 'nope', 't1|a', 't1|c', 't2|a', 't1|b'];
    expect(await store.getMany(want)).toEqual(['v:t3|x', undefined, 'cached', undefined, 'v:t2|a', 'v:t1|b']);
    expect(await store.getMany(['t2|a'])).toEqual(['v:t2|a']);
    expect(await store.getMany([])).toEqual([]);
  });

  it('scans a prefix in key order, merging uncommitted puts and deletes', async () => {
    await store.put('t1|bb', 'mid');
    await store.delete('t1|a');
    expect(await keys(store.prefixScan('t1|'))).toEqual(['t1|b', 't1|bb', 't1|c']);
    expect(await keys(store.prefixScan('t2|'))).toEqual(['t2|a']);
    expect(await keys(store.prefixScan('t9|'))).toEqual([]);
  });

  it('scans ranges [from, to), with limit and in reverse', async () => {
    expect(await keys(store.range('t1|b', 't3|'))).toEqual(['t1|b', 't1|c', 't2|a']);
    expect(await keys(store.range('t1|', undefined, { limit: 2 }))).toEqual(['t1|a', 't1|b']);
    expect(await keys(store.range('t1|', 't3|', { reverse: true }))).toEqual(['t2|a', 't1|c', 't1|b', 't1|a']);
    expect(await keys(store.all())).toEqual(['t1|a', 't1|b', 't1|c', 't2|a', 't3|x']);
  });

  it('rolls back uncommitted changes only', async () => {
    await store.put('t4|new', 'x');
    await store.delete('t1|a');
    store.rollback();
    expect(await store.get('t4|new')).toBeUndefined();
    expect(await store.get('t1|a')).toBe(committed ? 'v:t1|a' : undefined);
  });
});

describe('TaskStore changelog and bounds', () => {
  it('hands each key once per commit, the last write winning, deletes as tombstones', async () => {
    await store.put('a', '1');
    await store.put('a', '2');
    await store.put('b', '1');
    await store.delete('b');
    const changes = store.takeChanges().map((c) => [c.key.toString(), c.value?.toString() ?? null]);
    expect(changes).toEqual([['a', '2'], ['b', null]]);
    await store.applyChanges();
    expect(store.takeChanges()).toEqual([]);
  });

  it('logs nothing for a key inserted and deleted between two commits, a tombstone once its insert was committed', async () => {
    await store.insert('fresh', '1');
    await store.put('fresh', '2');
    await store.delete('fresh');
    await store.insert('kept', '1');
    expect(await store.get('fresh')).toBeUndefined();
    expect(store.takeChanges().map((c) => [c.key.toString(), c.value?.toString() ?? null])).toEqual([['kept', '1']]);
    await store.applyChanges();
    await store.delete('kept');
    expect(store.takeChanges().map((c) => [c.key.toString(), c.value?.toString() ?? null])).toEqual([['kept', null]]);
    await store.applyChanges();
    expect(await store.get('kept')).toBeUndefined();
  });

  it('asks for a commit when the write cache reaches its bound', async () => {
    for (let i = 0; i < 4; i++) await store.put(`k${i}`, 'v');
    expect(cacheFull).toBe(0);
    await store.put('k4', 'v');
    expect(cacheFull).toBe(1);
    expect(store.cacheSize()).toBe(5);
    await commit();
    expect(store.cacheSize()).toBe(0);
  });

  it('computes the end of a prefix range in bytes', () => {
    expect(prefixEnd(Buffer.from([1, 2, 3]))).toEqual(Buffer.from([1, 2, 4]));
    expect(prefixEnd(Buffer.from([1, 0xff]))).toEqual(Buffer.from([2]));
    expect(prefixEnd(Buffer.from([0xff, 0xff]))).toBeUndefined();
  });
});

describe('TaskStore compaction', () => {
  const dirBytes = async () => (await measureStateDir(dir)).usedBytes;

  it('reclaims the disk space of deleted entries after the commit that writes the deletes, changing no entry', async () => {
    const value = 'x'.repeat(4000);
    for (let i = 0; i < 4000; i++) await store.put(`k${String(i).padStart(5, '0')}`, `${value}${i}`);
    await commit();
    for (let i = 0; i < 3000; i++) await store.delete(`k${String(i).padStart(5, '0')}`);
    const done = store.compactAfterCommit();
    let compacted = false;
    void done.then(() => (compacted = true));
    await new Promise((r) => setImmediate(r));
    expect(compacted).toBe(false); // waits for the commit: the deletes are not in RocksDB yet
    const before = await dirBytes();
    await commit();
    await done;
    const after = await dirBytes();
    // 4000 × 4 KB written, 3000 deleted: the WAL and the deleted entries' bytes are gone.
    expect(before).toBeGreaterThan(16_000_000);
    expect(after).toBeLessThan(before / 2);
    expect(await keys(store.all())).toHaveLength(1000);
    expect(await store.get('k03999')).toBe(`${value}3999`);
  });

  it('resolves a waiting compaction when the store closes before any commit', async () => {
    const done = store.compactAfterCommit();
    await store.close();
    await done;
    store = new TaskStore<string, string>(storeSpec('s', stringSerde, stringSerde), await RocksBytesStore.open(dir), { onCacheFull: () => undefined });
  });
});

describe('SortedKeys', () => {
  it('keeps many keys in order across chunk splits and answers ranges', async () => {
    const { SortedKeys } = await import('../../../src/state/sorted-keys.ts');
    const s = new SortedKeys();
    const keys = Array.from({ length: 5000 }, (_, i) => `k${String((i * 7919) % 5000).padStart(5, '0')}`);
    for (const k of keys) s.add(k);
    for (const k of keys.slice(0, 100)) s.add(k); // duplicates are ignored
    expect(s.size).toBe(5000);
    const all = [...s.range('')];
    expect(all).toEqual([...keys].sort());
    expect([...s.range('k01000', 'k01005')]).toEqual(['k01000', 'k01001', 'k01002', 'k01003', 'k01004']);
    expect([...s.range('k04998')]).toEqual(['k04998', 'k04999']);
    expect([...s.range('z')]).toEqual([]);
  });
});

describe('TaskStore string keys', () => {
  it('keeps ASCII and non-ASCII keys apart and in UTF-8 byte order, in the cache and in RocksDB', async () => {
    // 'z' (0x7a) < 'é' (0xc3 0xa9) < '中' (0xe4 0xb8 0xad) as bytes; '\x7f' is the last ASCII char.
    const all = ['k|é', 'k|z', 'k|中', 'k|a', 'k|\x7f', 'k|éa'];
    const byteOrder = [...all].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const [i, k] of all.entries()) {
      await store.put(k, `v${i}`);
      if (i === 2) await commit(); // some in RocksDB, some in the cache
    }
    expect(await keys(store.prefixScan('k|'))).toEqual(byteOrder);
    for (const [i, k] of all.entries()) expect(await store.get(k)).toBe(`v${i}`);
    await store.delete('k|é');
    expect(await store.get('k|é')).toBeUndefined();
    expect(await store.get('k|éa')).toBe('v5');
    await commit();
    expect(await keys(store.prefixScan('k|'))).toEqual(byteOrder.filter((k) => k !== 'k|é'));
    expect((await store.getMany(['k|中', 'k|z', 'k|nope'])).map((v) => v ?? null)).toEqual(['v2', 'v1', null]);
  });
});
