import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STORE_SPECS } from '../../../src/sampling/assembly/stores.ts';
import { TraceSources, type TraceSource } from '../../../src/sampling/assembly/trace-sources.ts';
import { RocksBytesStore } from '../../../src/state/rocksdb-bytes-store.ts';
import { TaskStore } from '../../../src/state/task-store.ts';

let dir: string;
let store: TaskStore<string, TraceSource>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trace-sources-'));
  store = new TaskStore(STORE_SPECS.sources, await RocksBytesStore.open(dir), { onCacheFull: () => {} });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('TraceSources', () => {
  it('holds the oldest first offset per topic of the traces still in flight', async () => {
    const s = new TraceSources(store);
    await s.note('a', 'raw', 10, 1);
    await s.note('b', 'raw', 11, 2);
    await s.note('a', 'raw', 12, 3); // not its first record
    await s.note('b', 'rep', 5, 4);
    expect([s.oldest('raw'), s.oldest('rep'), s.oldest('other')]).toEqual([10, 5, undefined]);
    await s.forget('a');
    expect(s.oldest('raw')).toBe(11);
    await s.forget('b');
    expect([s.oldest('raw'), s.oldest('rep')]).toEqual([undefined, undefined]);
  });

  it('a trace id seen again after its decision starts over at its new first record', async () => {
    const s = new TraceSources(store);
    await s.note('a', 'raw', 10, 1);
    await s.forget('a');
    await s.note('b', 'raw', 20, 2);
    await s.note('a', 'raw', 30, 3);
    await s.forget('b');
    expect(s.oldest('raw')).toBe(30);
    expect(s.get('a')).toEqual({ at: 3, from: { raw: 30 } });
  });

  it('comes back from its store as committed, in offset order, with the first arrival kept', async () => {
    const s = new TraceSources(store);
    await s.note('late', 'raw', 40, 1);
    await s.note('early', 'raw', 7, 2);
    await s.note('early', 'rep', 3, 9);
    store.takeChanges();
    await store.applyChanges();
    const again = new TraceSources(store);
    await again.load();
    expect([again.size, again.oldest('raw'), again.oldest('rep')]).toEqual([2, 7, 3]);
    expect(again.get('early')).toEqual({ at: 2, from: { raw: 7, rep: 3 } });
  });

  it('keeps its queue within a small multiple of the traces in flight while an old trace pins it', async () => {
    const s = new TraceSources(store);
    await s.note('pinned', 'raw', 0, 0);
    for (let i = 1; i <= 20_000; i++) {
      await s.note(`t${i}`, 'raw', i, i);
      await s.forget(`t${i}`);
      if (i % 100 === 0) expect(s.oldest('raw')).toBe(0);
    }
    const queue = (s as unknown as { queues: Map<string, { marks: unknown[]; head: number }> }).queues.get('raw');
    expect(queue && queue.marks.length - queue.head).toBeLessThan(1200);
  });
});
