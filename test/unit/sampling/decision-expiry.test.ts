import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DecisionCache, type CachedDecision } from '../../../src/sampling/assembly/decision-cache.ts';
import { ExpiryOrder } from '../../../src/sampling/assembly/expiry-order.ts';
import { STORE_SPECS } from '../../../src/sampling/assembly/stores.ts';
import { RocksBytesStore } from '../../../src/state/rocksdb-bytes-store.ts';
import { TaskStore } from '../../../src/state/task-store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function decisionsStore(dir: string): Promise<TaskStore<string, CachedDecision>> {
  return new TaskStore(STORE_SPECS.decisions, await RocksBytesStore.open(dir), { onCacheFull: () => undefined });
}

async function commit(store: TaskStore<string, CachedDecision>): Promise<void> {
  store.takeChanges();
  await store.applyChanges();
}

const decision = (expiresAtMs: number): CachedDecision => ({ sampled: true, policy: 'p', sampleRate: 1, reason: 'r', decidedAtMs: expiresAtMs - 1000, expiresAtMs });

describe('ExpiryOrder', () => {
  it('hands ids out oldest expiry first, whatever order they were added in, at most max at a time', () => {
    const order = new ExpiryOrder();
    for (const [at, id] of [[30, 'c'], [10, 'a'], [40, 'd'], [20, 'b'], [40, 'e']] as const) order.add(at, id);
    expect(order.takeDue(5)).toEqual([]);
    expect(order.takeDue(25)).toEqual(['a', 'b']);
    expect(order.takeDue(Infinity, 2)).toEqual(['c', 'd']);
    expect(order.size).toBe(1);
    expect(order.takeDue(Infinity)).toEqual(['e']);
  });

  it('stays ordered across the compaction of taken entries', () => {
    const order = new ExpiryOrder();
    for (let i = 0; i < 5000; i++) order.add(i, `t${i}`);
    expect(order.takeDue(2999)).toHaveLength(3000);
    order.add(100, 'early');
    expect(order.takeDue(3001)).toEqual(['early', 't3000', 't3001']);
    expect(order.size).toBe(1998);
  });
});

describe('DecisionCache: the TTL order lives in memory, rebuilt from the decisions', () => {
  it('expires by TTL and by bound, oldest first, after a restart as before it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'decision-expiry-'));
    dirs.push(dir);
    let store = await decisionsStore(dir);
    let cache = new DecisionCache(store, 3);
    await cache.put('late', decision(300));
    await cache.put('early', decision(100));
    await cache.put('middle', decision(200));
    await commit(store);
    await store.close();

    store = await decisionsStore(dir);
    cache = new DecisionCache(store, 3);
    await cache.load();
    expect(cache.size).toBe(3);
    await cache.put('newest', decision(400)); // over the bound: the earliest expiry goes
    expect(await cache.get('early')).toBeUndefined();
    await cache.expire(250);
    expect(await cache.get('middle')).toBeUndefined();
    expect((await cache.get('late'))?.expiresAtMs).toBe(300);
    expect((await cache.get('newest'))?.expiresAtMs).toBe(400);
    expect(cache.size).toBe(2);
    await store.close();
  });
});
