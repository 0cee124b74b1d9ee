import { afterEach, describe, expect, it } from 'vitest';
import { bufferSerde, stringSerde } from '../../src/serde/serde.ts';
import { TopologyTestDriver } from '../../src/streams/test-driver.ts';
import { build, COUNTS_STORE } from '../../topologies/event-count.ts';

const drivers: TopologyTestDriver[] = [];
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.close();
});

/** The store-size gauges the README lists are set by every commit, per app, task and store. */
describe('store-size gauges', () => {
  it('report the entries of each store, refreshed at most every 10 s, and go when the task closes', async () => {
    const d = await TopologyTestDriver.create(build({ inputTopic: 'events', outputTopic: 'counts' }), { applicationId: 'gauges', partitions: 1 });
    drivers.push(d);
    const labels = { app: 'gauges', task: '0', store: COUNTS_STORE };
    const pipe = (key: string) => d.pipe('events', stringSerde, bufferSerde, key, Buffer.from('x'), 1);
    await pipe('a');
    expect(d.runtime.metrics.storeEntries.get(labels)).toBe(1);
    expect(d.runtime.metrics.storeCacheEntries.get(labels)).toBe(1); // the one entry its commit flushed
    await pipe('b');
    expect(d.runtime.metrics.storeEntries.get(labels)).toBe(1); // within 10 s of the last estimate
    await d.advanceWallClock(10_000);
    await pipe('c');
    expect(d.runtime.metrics.storeEntries.get(labels)).toBe(3);
    await d.close();
    drivers.length = 0;
    expect(d.runtime.registry.exposition()).not.toContain('tailstream_streams_store_entries{');
  });
});
