import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SpanObservation } from '../../../src/edges/types.ts';
import { WindowStore, windowRowSerde, type WindowRow } from '../../../src/sampling/assembly/window-store.ts';
import { stringSerde } from '../../../src/serde/serde.ts';
import { RocksBytesStore } from '../../../src/state/rocksdb-bytes-store.ts';
import { storeSpec } from '../../../src/state/store.ts';
import { TaskStore } from '../../../src/state/task-store.ts';

const MIN = 60_000;
let dir: string;
let store: TaskStore<string, WindowRow>;
let windows: WindowStore;

const obs = (minute: number, operation = 'GET /'): SpanObservation => ({
  service: 'api', operation, kind: 2, statusCode: 0, timestampMs: minute * MIN + 5, durationNanos: 1_000_000n, error: false,
});
const commit = async () => {
  store.takeChanges();
  await store.applyChanges();
};
const taken = async (nowMs: number) => (await windows.takeClosed(nowMs, 0)).metrics.map((m) => m.windowStartMs / MIN).sort();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'window-store-'));
  store = new TaskStore(storeSpec('w', stringSerde, windowRowSerde), await RocksBytesStore.open(dir), { onCacheFull: () => {} });
  windows = new WindowStore(store, MIN);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('WindowStore.takeClosed', () => {
  it('takes each closed window once, and a late row for a taken window on the next scan', async () => {
    await windows.addSpanMetrics([obs(1), obs(2), obs(3)]);
    expect(await taken(3 * MIN)).toEqual([1, 2]);
    await commit();
    expect(await taken(4 * MIN)).toEqual([3]);
    await windows.addSpanMetrics([obs(1, 'late')]); // below the scan mark
    await commit();
    expect(await taken(5 * MIN)).toEqual([1]);
    expect(await taken(6 * MIN)).toEqual([]);
  });

  it('finds taken rows again after a rollback brought them back', async () => {
    await windows.addSpanMetrics([obs(1), obs(2)]);
    await commit();
    expect(await taken(3 * MIN)).toEqual([1, 2]);
    store.rollback(); // the commit that would have removed them failed
    windows.rescanAll();
    expect(await taken(3 * MIN)).toEqual([1, 2]);
  });

  it('says when a tick has nothing to take, so pending observations can wait for the commit', async () => {
    expect(windows.firstOpenWindow(3 * MIN + 5, 0)).toBe(3 * MIN);
    expect(windows.firstOpenWindow(3 * MIN + 5, 2 * MIN)).toBe(MIN);
    expect(windows.mayHoldRowsBefore(3 * MIN)).toBe(true); // never scanned
    await windows.addSpanMetrics([obs(1), obs(3)]);
    expect(await taken(3 * MIN)).toEqual([1]);
    expect(windows.mayHoldRowsBefore(3 * MIN)).toBe(false);
    expect(windows.mayHoldRowsBefore(4 * MIN)).toBe(true); // minute 3 has closed
    await windows.addSpanMetrics([obs(2, 'late')]);
    expect(windows.mayHoldRowsBefore(3 * MIN)).toBe(true);
    expect(await taken(3 * MIN)).toEqual([2]);
  });
});
