import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/registry.ts';
import { StateDiskBudget } from '../../src/storage/state-budget.ts';
import { measureStateDir } from '../../src/storage/state-dir-usage.ts';
import { createLogger } from '../../src/util/log.ts';
import type { StateBudgetSource } from '../../src/sampling/assembly/state-budget.ts';
import { samplingHarness, type SamplingHarness } from '../fixtures/tail-sampling.ts';
import { span, TRACE_ID } from '../unit/edges/span-factory.ts';

const KEEP_ALL = `
decision_wait: 10s
max_trace_age: 60s
policies:
  - { name: everything, type: always_sample }
`;
const trace = (n: number) => `${n.toString(16).padStart(8, '0')}${TRACE_ID.slice(8)}`;
const MB = 1024 * 1024;

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function setup(budgetBytes: number) {
  const stateDir = mkdtempSync(join(tmpdir(), 'state-budget-topology-'));
  const lines: string[] = [];
  const registry = new MetricsRegistry();
  const budget = new StateDiskBudget({ stateDir, budgetBytes, checkMs: 1000, registry, log: createLogger('state-budget', 'info', (l) => lines.push(l)) });
  const h = await samplingHarness(KEEP_ALL, { stateDir, stateBudget: budget });
  cleanup.push(async () => {
    await h.driver.close();
    rmSync(stateDir, { recursive: true, force: true });
  });
  return { h, budget, registry, lines, stateDir };
}

/** Trace n: eight 10 KB spans of random bytes (RocksDB cannot compress them away). */
async function sendTrace(h: SamplingHarness, n: number): Promise<void> {
  await h.send([1, 2, 3, 4, 5, 6, 7, 8].map((id) => span({ id: n * 10 + id, parent: n * 10, service: 'svc', kind: 'internal', traceId: trace(n), attrs: { payload: randomBytes(5000).toString('hex') } })));
}
const used = async (dir: string) => (await measureStateDir(dir)).usedBytes;
const idOf = (traceId: string) => parseInt(traceId.slice(0, 8), 16);

const evictions = (registry: MetricsRegistry, kind: string) => Number(registry.exposition().match(new RegExp(`tailstream_state_budget_evictions_total\\{app="tail-sampling",kind="${kind}",task="0"\\} (\\d+)`))?.[1] ?? 0);

describe('RocksDB state disk budget', () => {
  it('decides the oldest in-flight traces early when the state is over its budget, logs and counts them, and goes on sampling', async () => {
    // ~70 MB of spans on disk beside RocksDB's own files: ~85 MB once compacted, more before
    // (each written store's preallocated write-ahead log, every store's manifest).
    const { h, budget, registry, lines, stateDir } = await setup(130 * MB);
    // Fewer than 1 000 (one budget check a second). The entries store holds up to 8 MiB in
    // memory and spills all of it past that: most of these ~79 MB end up on disk.
    const N = 990;
    for (let n = 1; n <= N; n++) {
      await sendTrace(h, n);
      await h.advance(1); // arrival order = deadline order; no budget check yet (every 1 s)
    }
    const full = await used(stateDir);
    expect(full).toBeGreaterThan(0.9 * 130 * MB); // over the high-water mark

    // First check: over, so the stores are compacted (deleted entries may be the excess); nothing is decided yet.
    await h.advance(1000);
    await budget.settled();
    expect(h.sampled()).toEqual([]);

    // Second check, measured after that compaction: still over, so the traces due soonest are decided early.
    await h.advance(1000);
    const early = h.sampled();
    const ids = early.map((t) => idOf(t.traceId));
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length).toBeLessThan(N);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1)); // the oldest, in order
    expect(early.every((t) => t.decision.reason.startsWith('disk_budget') && t.spans.length === 8)).toBe(true);
    expect(evictions(registry, 'traces')).toBe(ids.length);
    expect(evictions(registry, 'decisions')).toBe(0); // spans go first: the decision cache is left alone
    const logged = lines.map((l) => JSON.parse(l) as { message: string; kind?: string; count?: number });
    expect(logged).toContainEqual(expect.objectContaining({ message: `state disk budget: decided ${ids.length} in-flight traces early (due soonest first) in task tail-sampling/0`, kind: 'traces', count: ids.length }));

    // The space is reclaimed, and sampling goes on: new spans are buffered, and every trace is
    // decided once, whole. (With every store written to, RocksDB's preallocated logs alone
    // take more than this budget, so from here on the task sheds all it can: see README.)
    await budget.settled();
    expect(await used(stateDir)).toBeLessThan(full);
    for (let n = N + 1; n <= N + 50; n++) {
      await sendTrace(h, n);
      await h.advance(20);
    }
    for (let i = 0; i < 12; i++) {
      await h.advance(1000);
      await budget.settled();
    }
    const all = [...early, ...h.sampled()];
    expect(all.map((t) => idOf(t.traceId)).sort((a, b) => a - b)).toEqual(Array.from({ length: N + 50 }, (_, i) => i + 1));
    expect(all.every((t) => t.spans.length === 8)).toBe(true);
    expect(h.deadLetters()).toEqual([]);
    expect(registry.exposition()).toMatch(/tailstream_state_disk_budget_bytes 136314880/);
    expect(registry.exposition()).toMatch(/tailstream_state_disk_bytes \d+/);
  });

  it('below what RocksDB\'s own files take, sheds every tier in order (traces, then windows and decisions), says so, and still decides new traces', async () => {
    const { h, budget, registry, lines } = await setup(1 * MB);
    for (let n = 1; n <= 20; n++) await sendTrace(h, n);
    await h.advance(1000); // over: compact first
    await budget.settled();
    await h.advance(1000); // every in-flight trace is decided early; windows go early too
    await budget.settled();
    expect(h.sampled().map((t) => idOf(t.traceId))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(evictions(registry, 'decisions')).toBe(0);
    await h.advance(1000); // then the decisions those traces left
    await budget.settled();
    expect(evictions(registry, 'traces')).toBe(20);
    expect(evictions(registry, 'decisions')).toBe(20);
    const logged = lines.map((l) => JSON.parse(l) as { level: string; message: string });
    expect(logged.filter((l) => l.level === 'error').map((l) => l.message)).toEqual(['over the state disk budget with nothing more to shed in this task']);
    expect(logged.map((l) => l.message)).toContain('state disk budget: expired 20 cached decisions early (oldest first) in task tail-sampling/0');

    // Ingest and sampling go on: a new trace is buffered and decided.
    await sendTrace(h, 21);
    await h.advance(1000);
    expect(h.sampled().map((t) => [idOf(t.traceId), t.spans.length])).toEqual([[21, 8]]);
    expect(h.deadLetters()).toEqual([]);
  });

  it('sheds only through the stores: a task restored from the changelogs and the input topics on a fresh directory holds exactly what the shedding one held', async () => {
    const { h, budget } = await setup(1 * MB);
    for (let n = 1; n <= 10; n++) await sendTrace(h, n);
    await h.advance(1000);
    await budget.settled();
    await h.advance(1000); // traces decided early
    await budget.settled();
    await h.advance(1000); // their decisions expired
    await budget.settled();
    // The cap holds between checks: each new trace pushes the one before out.
    for (let n = 11; n <= 13; n++) await sendTrace(h, n);
    const stores = ['trace-entries', 'trace-meta', 'trace-deadlines', 'trace-decisions', 'edge-metric-windows'];
    const contents = async (x: SamplingHarness) => {
      const out: Record<string, string[]> = {};
      for (const name of stores) {
        out[name] = [];
        for await (const { key } of x.driver.store<string, unknown>(name).all()) out[name].push(key);
      }
      return out;
    };
    const before = await contents(h);
    expect(before['trace-meta']).toEqual([trace(13)]);
    expect(before['trace-decisions']).toEqual([trace(11), trace(12)]);

    // The span buffer's changelog is the input topics (bufferChangelog 'source'): the restored
    // task rebuilds trace 13 by replaying them from the committed offsets.
    const restored = await samplingHarness(KEEP_ALL, { broker: h.driver.broker, wallClockMs: h.driver.clock.now() });
    cleanup.push(() => restored.driver.close());
    await restored.driver.runtime.drain();
    expect(await contents(restored)).toEqual(before);
  });

  it('holds its cut-off between the low and high water marks and lifts it below the low one (scripted measurements)', async () => {
    const lines: string[] = [];
    const pending: Promise<void>[] = [];
    let usedBytes = 0;
    let seq = 0;
    const source: StateBudgetSource = {
      budgetBytes: 10 * MB,
      checkMs: 1000,
      highWater: 0.9,
      lowWater: 0.8,
      log: createLogger('state-budget', 'info', (l) => lines.push(l)),
      get measurementsStarted() {
        return seq;
      },
      usage: async () => ({ seq: ++seq, usedBytes, taskBytes: () => usedBytes }),
      evicted: () => undefined,
      compacting: (p) => void pending.push(p),
    };
    const settled = async () => {
      await Promise.all(pending.splice(0));
    };
    const h = await samplingHarness(KEEP_ALL, { stateBudget: source });
    cleanup.push(() => h.driver.close());
    for (let n = 1; n <= 100; n++) {
      await sendTrace(h, n); // 100 traces of ~80 KB: ~8 MB in flight
      await h.advance(1);
    }
    usedBytes = 8.5 * MB; // under the high-water mark (9 MB): nothing happens
    await h.advance(1000);
    expect(h.sampled()).toEqual([]);
    usedBytes = 9.5 * MB; // over it: compaction first
    await h.advance(1000);
    await settled();
    expect(h.sampled()).toEqual([]);
    await h.advance(1000); // still over, 1.5 MB above the low-water mark (8 MB): ~19 % of the buffer goes
    await settled();
    const first = h.sampled().map((t) => idOf(t.traceId));
    expect(first.length).toBeGreaterThanOrEqual(18);
    expect(first.length).toBeLessThanOrEqual(20);
    expect(first).toEqual(Array.from({ length: first.length }, (_, i) => i + 1));
    usedBytes = 8.5 * MB; // between the marks: the cut-off holds, so a new trace pushes the oldest out
    await sendTrace(h, 101);
    await sendTrace(h, 102);
    await h.advance(1000);
    await settled();
    expect(h.sampled().map((t) => idOf(t.traceId))).toEqual([first.length + 1, first.length + 2]);
    usedBytes = 7 * MB; // under the low-water mark: lifted
    await h.advance(1000);
    expect(lines.map((l) => (JSON.parse(l) as { message: string }).message)).toContain('state disk budget: back under the low-water mark in task tail-sampling/0; nothing is cut short any more');
    for (let n = 103; n <= 105; n++) await sendTrace(h, n);
    await h.advance(11_000);
    // Everything still in flight is decided when its decision wait is up, as without a budget.
    const rest = h.sampled();
    expect(rest.map((t) => idOf(t.traceId)).sort((a, b) => a - b)).toEqual(Array.from({ length: 105 - first.length - 2 }, (_, i) => first.length + 3 + i));
    expect(rest.every((t) => t.decision.reason.startsWith('decision_wait'))).toBe(true);
  });
});
