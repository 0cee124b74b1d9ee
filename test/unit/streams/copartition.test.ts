import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryBroker } from '../../../src/streams/in-memory-broker.ts';
import { LocalRuntime } from '../../../src/streams/local-runtime.ts';
import { copartitionedCount, Topology, TopologyError } from '../../../src/streams/topology.ts';
import { stringSerde } from '../../../src/serde/serde.ts';

describe('co-partitioned sources: one check for both runtimes', () => {
  it('answers the shared partition count', () => {
    expect(copartitionedCount('app', new Map([['a', 6], ['b', 6]]))).toBe(6);
  });

  it('refuses sources with different counts, naming each topic and its count', () => {
    expect(() => copartitionedCount('app', new Map([['a', 6], ['b', 3]]))).toThrow(TopologyError);
    expect(() => copartitionedCount('app', new Map([['a', 6], ['b', 3]]))).toThrow('app: source topics a (6), b (3) are not co-partitioned');
  });
});

describe('the local runtime uses it', () => {
  it('refuses to start a topology over sources with different partition counts', async () => {
    const broker = new InMemoryBroker();
    broker.createTopic('left', 2);
    broker.createTopic('right', 3);
    const runtime = new LocalRuntime({ broker, stateDir: mkdtempSync(join(tmpdir(), 'copartition-')) });
    const topology = new Topology()
      .addSource('l', 'left', stringSerde, stringSerde)
      .addSource('r', 'right', stringSerde, stringSerde)
      .addSink('out', 'out', stringSerde, stringSerde, 'l', 'r');
    await expect(runtime.add('app', topology)).rejects.toThrow('app: source topics left (2), right (3) are not co-partitioned');
  });
});
