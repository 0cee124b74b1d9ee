import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/registry.ts';
import { samplingMetrics } from '../../src/sampling/assembly/metrics.ts';
import { parseSamplingConfigText } from '../../src/sampling/config.ts';
import type { Clock } from '../../src/streams/clock.ts';
import { InMemoryBroker } from '../../src/streams/in-memory-broker.ts';
import { LocalRuntime } from '../../src/streams/local-runtime.ts';
import { streamsMetrics } from '../../src/streams/metrics.ts';
import { createKeyPartitioner } from '../../src/streams/partitioner.ts';
import type { RawRecord } from '../../src/streams/record.ts';
import { build, DEFAULT_TOPICS } from '../../topologies/tail-sampling.ts';
import { pipelineSerdes } from '../fixtures/tail-sampling.ts';
import { span, TRACE_ID } from '../unit/edges/span-factory.ts';

const CONFIG = `
decision_wait: 1s
policies:
  - { name: everything, type: always_sample }
`;
const START_MS = 1_800_000_000_000;
const BACKLOG = 5_000;
const MAX_POLL = 500;
const PARTITIONS = 2;

const partitionOf = createKeyPartitioner();
/** Trace ids that land on `partition` of raw-spans. */
function* traceIdsOn(partition: number): Generator<string> {
  for (let n = 0; ; n++) {
    const id = `${n.toString(16).padStart(8, '0')}${TRACE_ID.slice(8)}`;
    if (partitionOf(DEFAULT_TOPICS.rawSpans, Buffer.from(id), PARTITIONS) === partition) yield id;
  }
}

const stateDirs: string[] = [];
afterEach(() => {
  for (const d of stateDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * The tail-sampling topology on the embedded mode's runtime settings, on a fake clock that
 * moves 1 ms per raw-spans record processed: reading a backlog takes time, as it does for real.
 */
async function backlogRuntime() {
  const serdes = await pipelineSerdes();
  const registry = new MetricsRegistry();
  const readRawSpans = (): number => streamsMetrics(registry).recordsIn.get({ topic: DEFAULT_TOPICS.rawSpans });
  const clock: Clock = { now: () => START_MS + readRawSpans() };
  const emittedAt = new Map<string, number>();
  const broker = new (class extends InMemoryBroker {
    override append(topic: string, record: RawRecord, partition?: number): [number, number] {
      if (topic === DEFAULT_TOPICS.sampledSpans && record.key) emittedAt.set(record.key.toString(), readRawSpans());
      return super.append(topic, record, partition);
    }
  })(PARTITIONS);
  const topology = build({
    applicationId: 'backlog',
    topics: DEFAULT_TOPICS,
    sampling: parseSamplingConfigText(CONFIG),
    assembly: { tickMs: 100, windowMs: 60_000, windowFlushDelayMs: 0, maxBytesInFlight: 64 * 1024 * 1024, outputChunkSpans: 1000 },
    serdes,
    metrics: samplingMetrics(registry),
  });
  const stateDir = mkdtempSync(join(tmpdir(), 'tailstream-backlog-'));
  stateDirs.push(stateDir);
  const runtime = new LocalRuntime({ broker, stateDir, clock, registry, changelogs: true, commitIntervalMs: 100, maxPollRecords: MAX_POLL });
  await runtime.add('backlog', topology);
  const send = (traceId: string, id: number): void => {
    broker.append(DEFAULT_TOPICS.rawSpans, { key: Buffer.from(traceId), value: serdes.spanBatch.serialize([span({ id, parent: 1, service: 'a', kind: 'server', traceId })]), timestamp: clock.now(), headers: {} });
  };
  return { runtime, send, emittedAt, readRawSpans };
}

describe('a raw-spans backlog does not hold decisions back (embedded runtime)', () => {
  it.each([
    ['on the same partition as the waiting trace', 0],
    ['on another partition (the waiting trace’s task gets no input)', 1],
  ])('a trace due while a backlog %s is read is decided and emitted before the backlog is read', async (_name, backlogPartition) => {
    const { runtime, send, emittedAt, readRawSpans } = await backlogRuntime();
    const waiting = traceIdsOn(0).next().value as string;
    send(waiting, 2);
    await runtime.drain(); // buffered; due 1 s (1 000 records of work) later
    const ids = traceIdsOn(backlogPartition);
    for (let i = 0; i < BACKLOG; i++) {
      let id = ids.next().value as string;
      if (id === waiting) id = ids.next().value as string;
      send(id, 3);
    }
    await runtime.drain(); // what the embedded run loop does on a wake-up, before its punctuation
    await runtime.punctuate();
    await runtime.close(); // commits what is left
    expect(readRawSpans()).toBe(BACKLOG + 1);
    const at = emittedAt.get(waiting);
    expect(at, 'the waiting trace was kept').toBeDefined();
    // Due after ~1 000 records; decided at the first check after that, emitted by the next commit.
    expect(at).toBeGreaterThan(1_000);
    expect(at).toBeLessThanOrEqual(1_000 + 3 * MAX_POLL);
  });
});
