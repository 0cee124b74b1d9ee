import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/registry.ts';
import { LocalRuntime } from '../../src/streams/local-runtime.ts';
import { streamsMetrics } from '../../src/streams/metrics.ts';
import { stringSerde } from '../../src/serde/serde.ts';
import { TopologyTestDriver } from '../../src/streams/test-driver.ts';
import { ticker, tickSerde, type Tick } from '../fixtures/ticker-topology.ts';

const drivers: TopologyTestDriver[] = [];
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.close();
});

describe('punctuation', () => {
  it('fires on stream time as record timestamps advance, not on the wall clock', async () => {
    const d = await TopologyTestDriver.create(ticker('stream-time', 1000));
    drivers.push(d);
    const ticks = () => d.readOutput('ticks', stringSerde, tickSerde).map((r) => r.value);
    await d.pipe('in', stringSerde, stringSerde, 'k', 'v', 10_000); // starts stream time
    await d.pipe('in', stringSerde, stringSerde, 'k', 'v', 10_500);
    expect(ticks()).toEqual([]);
    await d.advanceWallClock(60_000);
    expect(ticks()).toEqual([]);
    await d.pipe('in', stringSerde, stringSerde, 'k', 'v', 11_000);
    expect(ticks()).toEqual([{ type: 'stream-time', at: 11_000, seen: 3 }]);
    await d.pipe('in', stringSerde, stringSerde, 'k', 'v', 10_200); // out of order: no advance
    await d.pipe('in', stringSerde, stringSerde, 'k', 'v', 15_500); // jump: one tick, not four
    expect(ticks()).toEqual([{ type: 'stream-time', at: 15_500, seen: 2 }]);
  });

  it('fires on wall-clock time only when the clock advances', async () => {
    const d = await TopologyTestDriver.create(ticker('wall-clock', 1000), { wallClockMs: 5_000 });
    drivers.push(d);
    const ticks = () => d.readOutput('ticks', stringSerde, tickSerde).map((r) => r.value);
    await d.pipe('in', stringSerde, stringSerde, 'k', 'v', 99_999_999);
    expect(ticks()).toEqual([]);
    await d.advanceWallClock(999);
    expect(ticks()).toEqual([]);
    await d.advanceWallClock(1);
    expect(ticks()).toEqual([{ type: 'wall-clock', at: 6_000, seen: 1 }]);
    await d.advanceWallClock(3_500);
    expect(ticks()).toEqual([{ type: 'wall-clock', at: 9_500, seen: 0 }]);
    await d.advanceWallClock(500);
    expect(ticks()).toEqual([{ type: 'wall-clock', at: 10_000, seen: 0 }]);
  });

  it('fires on wall-clock time between the records of one long pass, not only after it', async () => {
    // A fake clock that moves 1 ms per record processed: a long pass takes time, as it does for real.
    const registry = new MetricsRegistry();
    const clock = { now: () => 5_000 + streamsMetrics(registry).recordsIn.get({ topic: 'in' }) };
    const stateDir = mkdtempSync(join(tmpdir(), 'tailstream-punctuation-'));
    const runtime = new LocalRuntime({ stateDir, clock, registry, maxPollRecords: 10_000 });
    try {
      await runtime.add('ticks', ticker('wall-clock', 100));
      for (let i = 0; i < 1_000; i++) runtime.broker.append('in', { key: null, value: Buffer.from('"v"'), timestamp: i, headers: {} });
      await runtime.drain(); // one pass: every record in one read
      const ticks = runtime.broker.read('ticks', 0, 0).map(({ record }) => JSON.parse(String(record.value)) as Tick);
      expect(ticks.map((t) => t.seen)).toEqual(new Array(10).fill(100));
      expect(ticks.map((t) => t.at)).toEqual(Array.from({ length: 10 }, (_, i) => 5_100 + 100 * i));
    } finally {
      await runtime.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
