import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ResidentEntries } from '../../../src/state/resident-entries.ts';
import { RocksBytesStore } from '../../../src/state/rocksdb-bytes-store.ts';
import { SortedKeys } from '../../../src/state/sorted-keys.ts';
import { storeSpec } from '../../../src/state/store.ts';
import { TaskStore } from '../../../src/state/task-store.ts';
import { stringSerde } from '../../../src/serde/serde.ts';

const dirs: string[] = [];
const stores: TaskStore<string, string>[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A store as a task opens one it rebuilds (unlogged, started empty), and its RocksDB underneath. */
async function residentStore(budgetBytes: number): Promise<{ store: TaskStore<string, string>; rocks: RocksBytesStore }> {
  const dir = mkdtempSync(join(tmpdir(), 'resident-store-'));
  dirs.push(dir);
  const rocks = await RocksBytesStore.open(dir);
  const store = new TaskStore<string, string>(storeSpec('s', stringSerde, stringSerde, { changelog: false }), rocks, { onCacheFull: () => undefined }, new ResidentEntries(budgetBytes));
  stores.push(store);
  return { store, rocks };
}

async function commit(store: TaskStore<string, string>): Promise<void> {
  store.stageChanges();
  await store.applyChanges();
}

async function inRocks(rocks: RocksBytesStore): Promise<string[]> {
  const out: string[] = [];
  for await (const { key } of rocks.iterate(Buffer.alloc(0))) out.push(key.toString('latin1'));
  return out;
}

async function scan(it: AsyncIterable<{ key: string; value: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const { key, value } of it) out.push(`${key}=${value}`);
  return out;
}

describe('a store its task rebuilds on open, with committed entries resident in memory', () => {
  it('below its budget, commits write nothing to RocksDB, and entries are read back from memory', async () => {
    const { store, rocks } = await residentStore(1024 * 1024);
    await store.writeBatch(['t1|0', 't1|1', 't2|0'].map((key) => ({ key, value: `v:${key}` })));
    await commit(store);
    await store.delete('t1|0');
    await store.put('t2|0', 'new');
    await commit(store);
    expect(await inRocks(rocks)).toEqual([]);
    expect(await store.get('t1|0')).toBeUndefined();
    expect(await store.getMany(['t1|1', 't2|0', 'nope'])).toEqual(['v:t1|1', 'new', undefined]);
    expect(await scan(store.prefixScan('t'))).toEqual(['t1|1=v:t1|1', 't2|0=new']);
    expect(store.memoryBytes()).toBeGreaterThan(0);
  });

  it('past its budget everything spills to RocksDB, and deletes after that reach RocksDB too', async () => {
    const { store, rocks } = await residentStore(1000);
    for (let i = 0; i < 8; i++) await store.put(`k${i}`, 'x'.repeat(100));
    await commit(store); // 8 × (96 + 2 + 100) bytes > 1000: all spill
    expect(await inRocks(rocks)).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
    expect(store.memoryBytes()).toBe(0);
    await store.delete('k3');
    await store.put('k9', 'y');
    await commit(store);
    expect(await inRocks(rocks)).toEqual(['k0', 'k1', 'k2', 'k4', 'k5', 'k6', 'k7']); // k9 stays in memory
    expect(await store.get('k9')).toBe('y');
    expect(await store.get('k3')).toBeUndefined();
    expect((await scan(store.all())).map((e) => e.split('=')[0])).toEqual(['k0', 'k1', 'k2', 'k4', 'k5', 'k6', 'k7', 'k9']);
  });

  it('a rollback drops what was not committed and keeps what was', async () => {
    const { store } = await residentStore(1024 * 1024);
    await store.put('a', '1');
    await commit(store);
    await store.put('a', '2');
    await store.put('b', '1');
    store.rollback();
    expect(await scan(store.all())).toEqual(['a=1']);
  });

  it('a scan returns what was there when it started, whatever the caller deletes or commits meanwhile', async () => {
    const { store } = await residentStore(1024 * 1024);
    for (let i = 0; i < 20; i++) await store.put(`k${String(i).padStart(2, '0')}`, String(i));
    await commit(store);
    const seen: string[] = [];
    for await (const { key } of store.range('k00', 'k99')) {
      seen.push(key);
      await store.delete(key);
      await store.put(`k${key.slice(1)}x`, 'new'); // lands inside the range being scanned
      await commit(store);
    }
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, '0')}`));
  });

  // Writes, deletes, commits and rollbacks at random against a plain map: whatever sits in the
  // write cache, the commit being applied, memory or RocksDB, reads and scans agree with it.
  it.each([
    ['never spilling', 1024 * 1024],
    ['spilling often', 2_000],
  ])('reads and scans always agree with a plain map (%s)', async (_name, budget) => {
    const { store } = await residentStore(budget);
    let committed = new Map<string, string>();
    let current = new Map<string, string>();
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const key = () => `k${String(rand(60)).padStart(2, '0')}`;
    const sorted = (m: Map<string, string>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
    for (let step = 0; step < 1500; step++) {
      const op = rand(100);
      if (op < 45) {
        const k = key();
        await store.put(k, String(step));
        current.set(k, String(step));
      } else if (op < 75) {
        const k = key();
        await store.delete(k);
        current.delete(k);
      } else if (op < 88) {
        await commit(store);
        committed = new Map(current);
      } else if (op < 91) {
        store.rollback();
        current = new Map(committed);
      } else {
        const lo = key();
        const limit = 1 + rand(8);
        const want = sorted(current).filter((e) => e >= lo).slice(0, limit);
        expect(await scan(store.range(lo, undefined, { limit }))).toEqual(want);
      }
      const k = key();
      expect(await store.get(k)).toBe(current.get(k));
    }
    expect(await scan(store.all())).toEqual(sorted(current));
  });
});

describe('a store whose RocksDB holds its committed state', () => {
  it('reads back what the last commits wrote without RocksDB, and older values from RocksDB', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recent-store-'));
    dirs.push(dir);
    const rocks = await RocksBytesStore.open(dir);
    let rocksReads = 0;
    const counted = Object.assign(Object.create(rocks) as RocksBytesStore, {
      get: (k: Buffer) => (rocksReads++, rocks.get(k)),
      getMany: (ks: readonly Buffer[]) => ((rocksReads += ks.length), rocks.getMany(ks)),
    });
    const store = new TaskStore<string, string>(storeSpec('s', stringSerde, stringSerde), counted, { onCacheFull: () => undefined });
    stores.push(store);
    const big = 'x'.repeat(200 * 1024);
    for (let i = 0; i < 8; i++) await store.put(`old${i}`, big); // 1.6 MB: more than the 1 MiB kept
    await commit(store);
    await store.put('row', 'a');
    await store.delete('old7');
    await commit(store);
    expect(await store.get('row')).toBe('a');
    expect(await store.get('old7')).toBeUndefined();
    expect(await store.getMany(['row', 'old6'])).toEqual(['a', big]);
    expect(rocksReads).toBe(0);
    expect(await store.get('old0')).toBe(big); // pushed out of memory: read from RocksDB
    expect(rocksReads).toBe(1);
    expect(store.memoryBytes()).toBeLessThanOrEqual(1024 * 1024);
    await store.restoreBatch([{ key: Buffer.from('row'), value: Buffer.from('restored') }]);
    expect(await store.get('row')).toBe('restored');
  });
});

describe('SortedKeys.delete', () => {
  it('removes keys across chunks, and ranges skip them', () => {
    const s = new SortedKeys();
    const keys = Array.from({ length: 3000 }, (_, i) => `k${String(i).padStart(5, '0')}`);
    for (const k of keys) s.add(k);
    for (const k of keys) if (Number(k.slice(1)) % 3 !== 0) s.delete(k);
    s.delete('absent');
    expect(s.size).toBe(1000);
    expect([...s.range('')]).toEqual(keys.filter((k) => Number(k.slice(1)) % 3 === 0));
    for (const k of keys) s.delete(k);
    expect([...s.range('')]).toEqual([]);
    s.add('a');
    expect([...s.range('')]).toEqual(['a']);
  });
});
