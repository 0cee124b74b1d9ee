import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Serde } from '../serde/serde.ts';
import type { KeyValueStore } from '../state/store.ts';
import { MockClock } from './clock.ts';
import { InMemoryBroker } from './in-memory-broker.ts';
import { LocalRuntime } from './local-runtime.ts';
import type { Headers } from './record.ts';
import type { Topology } from './topology.ts';

export interface TestRecord<K, V> {
  readonly key: K | null;
  readonly value: V | null;
  readonly timestamp: number;
  readonly headers: Headers;
  readonly partition: number;
}

export interface DriverOptions {
  readonly applicationId?: string;
  /** Partitions of every topic (default 1): more than one exercises per-task state. */
  readonly partitions?: number;
  /** Start of the mock wall clock, ms. */
  readonly wallClockMs?: number;
  /** Reuse a broker (e.g. to restore a new driver from the previous one's changelogs). */
  readonly broker?: InMemoryBroker;
  /** Reuse a state directory (restart with local state); a fresh temp dir otherwise. */
  readonly stateDir?: string;
}

/**
 * Kafka Streams' TopologyTestDriver for tailstream: pipes records through a topology on the
 * LocalRuntime, committing after every record; wall-clock punctuation fires only when the
 * test advances the clock. Output topics and stores can be inspected.
 */
export class TopologyTestDriver {
  readonly clock: MockClock;
  readonly broker: InMemoryBroker;
  readonly runtime: LocalRuntime;
  readonly applicationId: string;
  readonly stateDir: string;
  private readonly ownsStateDir: boolean;
  private readonly readPositions = new Map<string, number>();

  private constructor(
    private readonly topology: Topology,
    opts: DriverOptions,
  ) {
    this.applicationId = opts.applicationId ?? 'test-app';
    this.clock = new MockClock(opts.wallClockMs ?? 0);
    this.broker = opts.broker ?? new InMemoryBroker(opts.partitions ?? 1);
    this.ownsStateDir = opts.stateDir === undefined;
    this.stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'tailstream-driver-'));
    this.runtime = new LocalRuntime({ broker: this.broker, stateDir: this.stateDir, clock: this.clock, commitEveryRecord: true });
  }

  static async create(topology: Topology, opts: DriverOptions = {}): Promise<TopologyTestDriver> {
    const d = new TopologyTestDriver(topology, opts);
    await d.runtime.add(d.applicationId, topology);
    return d;
  }

  /** Pipes one record into a source topic and processes it (and anything it triggers). */
  async pipe<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>, key: K | null, value: V | null, timestamp: number, headers: Headers = {}): Promise<void> {
    this.broker.append(topic, {
      key: key === null ? null : keySerde.serialize(key),
      value: value === null ? null : valueSerde.serialize(value),
      timestamp,
      headers,
    });
    await this.runtime.drain();
  }

  /** Pipes raw bytes (e.g. malformed input) into a source topic. */
  async pipeRaw(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers: Headers = {}): Promise<void> {
    this.broker.append(topic, { key, value, timestamp, headers });
    await this.runtime.drain();
  }

  /** Moves the wall clock and fires the wall-clock punctuators that became due. */
  async advanceWallClock(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.runtime.punctuate();
  }

  /** Records written to `topic` since the last read, in partition then offset order. */
  readOutput<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>): TestRecord<K, V>[] {
    const out: TestRecord<K, V>[] = [];
    for (let p = 0; p < this.broker.partitions(topic); p++) {
      const posKey = `${topic}/${p}`;
      for (const { offset, record } of this.broker.read(topic, p, this.readPositions.get(posKey) ?? 0)) {
        out.push({
          key: record.key === null ? null : keySerde.deserialize(record.key),
          value: record.value === null ? null : valueSerde.deserialize(record.value),
          timestamp: record.timestamp,
          headers: record.headers,
          partition: p,
        });
        this.readPositions.set(posKey, offset + 1);
      }
    }
    return out;
  }

  store<K, V>(name: string, partition = 0): KeyValueStore<K, V> {
    return this.runtime.task(this.applicationId, partition).store(name) as unknown as KeyValueStore<K, V>;
  }

  /** Closes the runtime; keeps the state dir when `keepState` (to restart on it). */
  async close(opts: { keepState?: boolean } = {}): Promise<void> {
    await this.runtime.close();
    if (this.ownsStateDir && !opts.keepState) rmSync(this.stateDir, { recursive: true, force: true });
  }

  topologyUnderTest(): Topology {
    return this.topology;
  }
}
