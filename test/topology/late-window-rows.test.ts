import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/registry.ts';
import { samplingMetrics } from '../../src/sampling/assembly/metrics.ts';
import { STORE_SPECS } from '../../src/sampling/assembly/stores.ts';
import { parseSamplingConfigText } from '../../src/sampling/config.ts';
import { changelogTopic } from '../../src/state/store.ts';
import { InMemoryBroker } from '../../src/streams/in-memory-broker.ts';
import { LocalRuntime } from '../../src/streams/local-runtime.ts';
import { build, DEFAULT_TOPICS } from '../../topologies/tail-sampling.ts';
import { pipelineSerdes } from '../fixtures/tail-sampling.ts';
import { span, T0_MS } from '../unit/edges/span-factory.ts';

const APP = 'late-rows';
const TICK_MS = 100;
const COMMIT_MS = 1_000;
const FLUSH_DELAY_MS = 10_000;

const stateDirs: string[] = [];
afterEach(() => {
  for (const d of stateDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The tail-sampling topology on one partition, a clock the test moves, changelogs on. */
async function lateRowsRuntime() {
  const serdes = await pipelineSerdes();
  const clock = { ms: T0_MS + 30_000, now: () => clock.ms };
  const broker = new InMemoryBroker(1);
  const topology = build({
    applicationId: APP,
    topics: DEFAULT_TOPICS,
    sampling: parseSamplingConfigText('decision_wait: 1s\npolicies:\n  - { name: everything, type: always_sample }\n'),
    assembly: { tickMs: TICK_MS, windowMs: 60_000, windowFlushDelayMs: FLUSH_DELAY_MS, maxBytesInFlight: 64 * 1024 * 1024, outputChunkSpans: 1000 },
    serdes,
    metrics: samplingMetrics(new MetricsRegistry()),
  });
  const stateDir = mkdtempSync(join(tmpdir(), 'tailstream-late-rows-'));
  stateDirs.push(stateDir);
  const runtime = new LocalRuntime({ broker, stateDir, clock, changelogs: true, commitIntervalMs: COMMIT_MS });
  await runtime.add(APP, topology);
  let traces = 0;
  /** One root span, its own trace, starting `atMs` after T0 (window T0 for 0 ≤ atMs < 60 s). */
  const send = (atMs: number): void => {
    const traceId = (++traces).toString(16).padStart(32, '0');
    const value = serdes.spanBatch.serialize([span({ id: 1, service: 'shop', kind: 'server', name: 'GET /cart', at: atMs, traceId })]);
    broker.append(DEFAULT_TOPICS.rawSpans, { key: Buffer.from(traceId), value, timestamp: clock.ms, headers: {} });
  };
  const metricRows = () =>
    broker.read(DEFAULT_TOPICS.spanMetrics, 0, 0).map(({ record }) => serdes.spanMetrics.deserialize(record.value as Buffer)).filter((m) => m.service === 'shop' && m.operation === 'GET /cart');
  const windowChangelog = () => broker.read(changelogTopic(APP, STORE_SPECS.windows.name), 0, 0).length;
  return { runtime, clock, send, metricRows, windowChangelog };
}

describe('span metrics of a window already emitted (late spans, a backlog read long after)', () => {
  it('leave as one partial row per key per commit, not per tick, and never enter the window store', async () => {
    const { runtime, clock, send, metricRows, windowChangelog } = await lateRowsRuntime();
    send(0);
    await runtime.drain();
    await runtime.punctuate();
    // The T0 window closes (its flush delay passed): its row is emitted.
    clock.ms = T0_MS + 60_000 + FLUSH_DELAY_MS + 1;
    await runtime.punctuate();
    expect(metricRows().map((m) => m.calls)).toEqual([1]);
    const logged = windowChangelog();

    // Ten more spans of the T0 window, one per tick, over one commit interval.
    for (let i = 1; i <= 10; i++) {
      send(i * 1_000);
      await runtime.drain();
      clock.ms += TICK_MS;
      await runtime.punctuate();
    }
    await runtime.close();

    const rows = metricRows();
    expect(rows.every((m) => m.windowStartMs === T0_MS)).toBe(true);
    expect(rows.reduce((n, m) => n + m.calls, 0), 'every span counted once').toBe(11);
    // Before: the first row, then one row per tick (a fold and a take every 100 ms).
    expect(rows.length, 'late rows per commit: the one after 1 s and the final one at most').toBeLessThanOrEqual(3);
    expect(windowChangelog() - logged, 'no window-store put or tombstone for a late row').toBe(0);
  });
});
