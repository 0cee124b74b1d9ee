import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/registry.ts';
import { KafkaRuntime } from '../../src/streams/kafka-runtime.ts';
import { streamsMetrics } from '../../src/streams/metrics.ts';
import { consumeUntil, testKafka, testTopicAdmin, uniqueName } from '../fixtures/kafka.ts';
import { until } from '../fixtures/poll.ts';
import { ticker, tickSerde, type Tick } from '../fixtures/ticker-topology.ts';

const RECORDS = 2_000;

describe('KafkaRuntime wall-clock punctuation during a long batch', () => {
  it('fires between the records of one fetched batch, not only on the ticker between batches', async () => {
    const kafka = testKafka();
    const topics = { input: uniqueName('tick-in'), output: uniqueName('ticks') };
    await testTopicAdmin(kafka).ensureTopics([
      { topic: topics.input, partitions: 1 },
      { topic: topics.output, partitions: 1 },
    ]);
    // Produced before the runtime starts: its first fetch returns them as one batch (~40 KB).
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: topics.input, acks: -1, messages: Array.from({ length: RECORDS }, (_, i) => ({ value: `"v${i}"` })) });
    await producer.disconnect();
    // A fake clock that moves 1 ms per record processed: the batch takes 2 s of it.
    const registry = new MetricsRegistry();
    const clock = { now: () => 5_000 + streamsMetrics(registry).recordsIn.get({ topic: topics.input }) };
    const stateDir = mkdtempSync(join(tmpdir(), 'kafka-batch-punctuation-'));
    const rt = new KafkaRuntime({
      applicationId: uniqueName('ticks-app'),
      topology: ticker('wall-clock', 100, topics),
      kafka,
      topicAdmin: testTopicAdmin(kafka),
      stateDir,
      clock,
      registry,
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
    });
    await rt.start();
    try {
      await until('every record processed', async () => (streamsMetrics(registry).recordsIn.get({ topic: topics.input }) === RECORDS ? true : undefined));
    } finally {
      await rt.stop(); // commits whatever the last punctuation produced
      rmSync(stateDir, { recursive: true, force: true });
    }
    const admin = kafka.admin();
    await admin.connect();
    const written = Number((await admin.fetchTopicOffsets(topics.output))[0]?.high ?? 0);
    await admin.disconnect();
    const ticks: Tick[] = [];
    await consumeUntil(kafka, topics.output, (_k, v) => v && ticks.push(tickSerde.deserialize(v)), () => ticks.length >= written);
    // One tick per 100 ms of the clock, each after the 100 records of its interval: before,
    // the ticker fired once after the whole batch (or not at all before stop).
    expect(ticks.map((t) => t.seen)).toEqual(new Array(RECORDS / 100).fill(100));
  });
});
