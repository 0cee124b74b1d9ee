import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/metrics/registry.ts';
import { StateDiskBudget } from '../../../src/storage/state-budget.ts';
import { measureStateDir } from '../../../src/storage/state-dir-usage.ts';
import { createLogger } from '../../../src/util/log.ts';

let dir: string;
const file = (path: string, bytes: number) => {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), Buffer.alloc(bytes, 1));
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'state-budget-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('measureStateDir', () => {
  it('counts the blocks every file takes, per store directory and in all', async () => {
    file('app/0/trace-entries/000009.sst', 100_000);
    file('app/0/trace-entries/000010.log', 5_000);
    file('app/0/trace-meta/MANIFEST-000005', 1);
    file('app/1/trace-entries/000009.sst', 40_960);
    file('app/0/checkpoint', 10);
    const u = await measureStateDir(dir);
    // Whole 4 KiB blocks, as du counts them.
    expect(Object.fromEntries(u.stores)).toEqual({ 'app/0/trace-entries': 102_400 + 8_192, 'app/0/trace-meta': 4_096, 'app/1/trace-entries': 40_960 });
    expect(u.usedBytes).toBe(102_400 + 8_192 + 4_096 + 40_960 + 4_096);
  });

  it('reads a missing state directory as empty', async () => {
    expect((await measureStateDir(join(dir, 'none'))).usedBytes).toBe(0);
  });
});

describe('StateDiskBudget', () => {
  it('measures at most every checkMs for every task, anew when a task needs a figure after its compaction', async () => {
    const registry = new MetricsRegistry();
    const budget = new StateDiskBudget({ stateDir: dir, budgetBytes: 1_000_000, checkMs: 1000, registry, log: createLogger('t', 'error') });
    file('a/0/s/1.sst', 8192);
    const first = await budget.usage(0);
    expect(first.usedBytes).toBe(8192);
    file('a/1/s/1.sst', 8192);
    expect(await budget.usage(999)).toBe(first); // cached: the second file is not seen yet
    const second = await budget.usage(1000);
    expect([second.seq, second.usedBytes, second.taskBytes('a', 1), second.storeBytes('a', 0, 's')]).toEqual([2, 16_384, 8192, 8192]);
    expect((await budget.usage(1001, budget.measurementsStarted)).seq).toBe(3);
    expect(registry.exposition()).toMatch(/tailstream_state_disk_bytes 16384/);
    expect(registry.exposition()).toMatch(/tailstream_state_disk_budget_bytes 1000000/);
  });

  it('shares one walk between tasks that ask at once', async () => {
    const budget = new StateDiskBudget({ stateDir: dir, budgetBytes: 1, checkMs: 1000, registry: new MetricsRegistry(), log: createLogger('t', 'error') });
    const [a, b] = await Promise.all([budget.usage(0), budget.usage(0)]);
    expect(a).toBe(b);
    expect(budget.measurementsStarted).toBe(1);
  });
});
