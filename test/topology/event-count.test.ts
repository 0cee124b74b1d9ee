import { afterEach, describe, expect, it } from 'vitest';
import { build, COUNTS_STORE } from '../../topologies/event-count.ts';
import { bufferSerde, int64Serde, stringSerde } from '../../src/serde/serde.ts';
import { TopologyTestDriver } from '../../src/streams/test-driver.ts';
import { changelogTopic } from '../../src/state/store.ts';

const topo = () => build({ inputTopic: 'events', outputTopic: 'event-counts' });
const drivers: TopologyTestDriver[] = [];
async function driver(opts: Parameters<typeof TopologyTestDriver.create>[1] = {}) {
  const d = await TopologyTestDriver.create(topo(), opts);
  drivers.push(d);
  return d;
}
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.close().catch(() => undefined);
});

const pipe = (d: TopologyTestDriver, key: string, ts = 1000) =>
  d.pipe('events', stringSerde, bufferSerde, key, Buffer.from('x'), ts);

describe('event-count topology on the test driver', () => {
  it('counts per key and forwards every new count', async () => {
    const d = await driver();
    for (const k of ['a', 'b', 'a', 'c', 'a', 'b']) await pipe(d, k);
    const out = d.readOutput('event-counts', stringSerde, int64Serde);
    expect(out.map((r) => [r.key, r.value])).toEqual([
      ['a', 1n], ['b', 1n], ['a', 2n], ['c', 1n], ['a', 3n], ['b', 2n],
    ]);
    const store = d.store<string, bigint>(COUNTS_STORE);
    expect(await store.get('a')).toBe(3n);
    expect(await store.get('zzz')).toBeUndefined();
  });

  it('keeps per-partition state in separate tasks', async () => {
    const d = await driver({ partitions: 4 });
    const keys = Array.from({ length: 40 }, (_, i) => `k${i % 10}`);
    for (const k of keys) await pipe(d, k);
    const totals = new Map<string, bigint>();
    for (let p = 0; p < 4; p++) {
      for await (const { key, value } of d.store<string, bigint>(COUNTS_STORE, p).all()) {
        expect(totals.has(key)).toBe(false); // a key lives in exactly one task
        totals.set(key, value);
      }
    }
    expect(totals.size).toBe(10);
    for (const v of totals.values()) expect(v).toBe(4n);
  });

  it('restores a fresh instance from the changelog topic', async () => {
    const first = await driver({ partitions: 2 });
    for (const k of ['a', 'b', 'a', 'c', 'a']) await pipe(first, k);
    const changelog = changelogTopic(first.applicationId, COUNTS_STORE);
    expect(first.broker.depth(changelog)).toBe(5); // one change per commit (commit per record)
    await first.close();
    // New state dir, same broker: everything must come back from the changelog alone.
    const second = await driver({ broker: first.broker });
    await pipe(second, 'a');
    const out = second.readOutput('event-counts', stringSerde, int64Serde);
    expect(out.at(-1)?.value).toBe(4n);
    const restored = new Map<string, bigint>();
    for (let p = 0; p < 2; p++) for await (const kv of second.store<string, bigint>(COUNTS_STORE, p).all()) restored.set(kv.key, kv.value);
    expect(Object.fromEntries(restored)).toEqual({ a: 4n, b: 1n, c: 1n });
    expect(second.runtime.metrics.restoredRecords.total()).toBe(5);
  });

  it('restarts on local state and restores only the changelog delta after the checkpoint', async () => {
    const first = await driver();
    for (const k of ['a', 'b', 'a']) await pipe(first, k);
    await first.close({ keepState: true });
    // Simulate another instance having processed more of this partition meanwhile.
    const other = await driver({ broker: first.broker });
    await pipe(other, 'a');
    await pipe(other, 'c');
    await other.close();
    const restarted = await driver({ broker: first.broker, stateDir: first.stateDir });
    expect(restarted.runtime.metrics.restoredRecords.total()).toBe(2);
    const store = restarted.store<string, bigint>(COUNTS_STORE);
    expect([await store.get('a'), await store.get('b'), await store.get('c')]).toEqual([3n, 1n, 1n]);
  });
});
