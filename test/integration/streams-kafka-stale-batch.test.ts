/**
 * A batch fetched before a seek must not be processed after it. kafkajs runs one fetcher per
 * broker and applies a seek (the runtime's rewind after a rollback) in the next fetch of the
 * partition's leader. When leadership moves while a batch fetched from the old leader waits
 * to be processed, the new leader's fetcher takes the seek (`isStale()` turns false) and the
 * old batch is handed over anyway, from past the rewound position: the records in between
 * would be skipped. On a 3-node cluster of its own the test holds such a batch, makes the
 * task's commit fail (it rolls back and rewinds), moves the partition's leader and lets the
 * batch go once the new leader's fetcher has taken the seek.
 *
 * A batch from past where the task reads is fine when the records in between are gone
 * (retention deleted the committed offset; kafkajs restarts at the log start): checked on
 * the shared broker, where dropping it and seeking back would go round forever.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logLevel, Kafka, type EachBatchPayload } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { MockClock } from '../../src/streams/clock.ts';
import { KafkaRuntime } from '../../src/streams/kafka-runtime.ts';
import { KafkaTopicAdmin } from '../../src/streams/topic-admin.ts';
import { build } from '../../topologies/event-count.ts';
import { startKafkaCluster, type KafkaCluster } from '../broker/kafka-broker.ts';
import { countedInTask0, eventCountTopics, finalCounts, frozenExactlyOnceRuntime } from '../fixtures/event-count-app.ts';
import { produceKeyed, uniqueName } from '../fixtures/kafka.ts';
import { until } from '../fixtures/poll.ts';

let cluster: KafkaCluster | undefined;
const dirs: string[] = [];
afterAll(async () => {
  await cluster?.stop();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** The next batch handed to group `groupId` once `armed`, held until `release()`. */
interface Hold {
  armed: boolean;
  payload?: EachBatchPayload;
  release?: () => void;
}

/** `kafka` whose `groupId` consumer refreshes metadata often and holds one batch where `hold` says. */
function holdingKafka(kafka: Kafka, groupId: string, hold: Hold): Kafka {
  const wrapped = Object.create(kafka) as Kafka;
  wrapped.consumer = (config) => {
    if (config.groupId !== groupId) return kafka.consumer(config);
    // The new leader's fetcher learns of the move while the held batch waits.
    const consumer = kafka.consumer({ ...config, metadataMaxAge: 200 });
    const run = consumer.run.bind(consumer);
    consumer.run = (runConfig) => {
      const eachBatch = runConfig?.eachBatch;
      if (!eachBatch) return run(runConfig);
      return run({
        ...runConfig,
        eachBatch: async (payload) => {
          if (hold.armed && !hold.payload) {
            hold.payload = payload;
            await new Promise<void>((r) => (hold.release = r));
          }
          return eachBatch(payload);
        },
      });
    };
    return consumer;
  };
  return wrapped;
}

async function leaderOf(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics[0]?.partitions.find((p) => p.partitionId === 0)?.leader ?? -1;
  } finally {
    await admin.disconnect();
  }
}

describe('KafkaRuntime: a batch fetched before a rollback seek, handed over after a leader change', () => {
  it('is not processed past the rewound position (nothing skipped, nothing twice)', async () => {
    cluster = await startKafkaCluster({ nodes: 3, heapMb: 320 });
    const kafka = new Kafka({ clientId: 'stale-batch-test', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING });
    const topicAdmin = new KafkaTopicAdmin(kafka);
    const input = uniqueName('events');
    const output = uniqueName('event-counts');
    const appId = uniqueName('stale-batch-app');
    await topicAdmin.ensureTopics([
      { topic: input, partitions: 1 },
      { topic: output, partitions: 1 },
    ]);
    const hold: Hold = { armed: false };
    const stateDir = mkdtempSync(join(tmpdir(), 'streams-stale-batch-'));
    dirs.push(stateDir);
    const clock = new MockClock(0);
    const rt = new KafkaRuntime({
      applicationId: appId,
      topology: build({ inputTopic: input, outputTopic: output }),
      kafka: holdingKafka(kafka, appId, hold),
      topicAdmin,
      stateDir,
      processingGuarantee: 'exactly_once',
      clock,
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
    });
    const counted = () => countedInTask0(rt);
    await rt.start();
    const zombie = kafka.producer({ transactionalId: `${appId}-0`, idempotent: true, maxInFlightRequests: 1 });
    try {
      // Records 0-9 processed, not committed (the clock stands still); 10-19 fetched and held.
      await produceKeyed(kafka, input, 0, 10, 10);
      await until('the task processing records 0-9', async () => (rt.metrics.recordsIn.total() === 10 ? true : undefined));
      hold.armed = true;
      await produceKeyed(kafka, input, 10, 10, 10);
      const held = await until('a batch of records 10-19 held', async () => hold.payload);
      expect(held.batch.messages[0]?.offset).toBe('10');

      // The task's producer fenced: its next commit fails, it is reopened and the consumer rewound.
      await zombie.connect();
      await (await zombie.transaction()).abort();
      clock.advance(1_000);
      await until('the commit failing and the task reopened with a rewind', async () => (rt.metrics.commitFailures.total() >= 1 && held.isStale() ? true : undefined));

      // The partition's leader moves; the new leader's fetcher takes the pending seek.
      const old = await leaderOf(kafka, input);
      const admin = kafka.admin();
      await admin.connect();
      await admin.alterPartitionReassignments({ topics: [{ topic: input, partitionAssignment: [{ partition: 0, replicas: cluster.nodes.map((n) => n.id).filter((id) => id !== old) }] }] });
      await admin.disconnect();
      await until('the leadership moving off the old leader', async () => ((await leaderOf(kafka, input)) > 0 && (await leaderOf(kafka, input)) !== old ? true : undefined), 30_000);
      await until("the new leader's fetcher taking the seek", async () => (held.isStale() ? undefined : true), 30_000);
      hold.release?.();

      await until('the reopened task counting all 20 records', async () => ((await counted()) === 20n ? true : undefined), 30_000).catch(async (err: Error) => {
        throw new Error(`${err.message}: it counted ${await counted()}`);
      });
      clock.advance(1_000);
    } finally {
      hold.release?.();
      await rt.stop();
      await zombie.disconnect();
    }

    const last = await finalCounts(kafka, output, new Map(Array.from({ length: 10 }, (_, i) => [`k${i}`, 2n])));
    for (let i = 0; i < 10; i++) expect(last.get(`k${i}`), `k${i}`).toBe(2n);
    expect(rt.metrics.staleBatches.total()).toBeGreaterThanOrEqual(1);
  }, 180_000);
});

describe('KafkaRuntime: the committed offset deleted by retention', () => {
  it('reads on from the log start instead of seeking back to the deleted offset forever', async () => {
    const { kafka, input, output, appId } = await eventCountTopics(1, 'retention-app');
    await produceKeyed(kafka, input, 0, 10, 10);
    const stateDir = mkdtempSync(join(tmpdir(), 'streams-retention-'));
    dirs.push(stateDir);
    const first = frozenExactlyOnceRuntime({ kafka, appId, input, output, stateDir });
    await first.start();
    try {
      await until('the first owner processing records 0-9', async () => (first.metrics.recordsIn.total() === 10 ? true : undefined));
    } finally {
      await first.stop(); // commits offset 10
    }
    await produceKeyed(kafka, input, 10, 20, 10);
    const admin = kafka.admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [input] }); // deleteTopicRecords finds the leader in loaded metadata only
    await admin.deleteTopicRecords({ topic: input, partitions: [{ partition: 0, offset: '20' }] });
    await admin.disconnect();

    const rt = frozenExactlyOnceRuntime({ kafka, appId, input, output, stateDir });
    await rt.start();
    try {
      await until('the next owner processing records 20-29', async () => (rt.metrics.recordsIn.total() === 10 ? true : undefined), 30_000);
    } finally {
      await rt.stop();
    }
    const last = await finalCounts(kafka, output, new Map(Array.from({ length: 10 }, (_, i) => [`k${i}`, 2n])));
    for (let i = 0; i < 10; i++) expect(last.get(`k${i}`), `k${i}`).toBe(2n);
    expect(rt.metrics.staleBatches.total()).toBe(0);
  });
});
