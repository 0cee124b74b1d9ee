/**
 * A commit that fails where the runtime did not expect one — the commit it makes when a
 * heartbeat fails, before kafkajs rejoins — must still take the tasks back to their last
 * commit. kafkajs rejoins the group only on rebalance errors; when the coordinator is away
 * (a connection error) it fetches on from the offsets already resolved, so a task rolled back
 * without being reopened would carry on past the records it dropped.
 *
 * The faults are injected into the real broker's clients at chosen steps: the next heartbeat
 * inside eachBatch throws a connection error and the next transaction commit is aborted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaJSConnectionError, type Consumer, type ConsumerRunConfig, type Kafka } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { produceKeyed } from '../fixtures/kafka.ts';
import { countedInTask0, eventCountTopics, finalCounts, frozenExactlyOnceRuntime } from '../fixtures/event-count-app.ts';
import { until } from '../fixtures/poll.ts';
import { throughTransactionCommit } from '../fixtures/transaction-commit.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Faults {
  /** The next heartbeat inside eachBatch fails once this says so. */
  heartbeat: boolean;
  heartbeatWhen: () => boolean;
  commit: boolean;
}

/** `kafka` whose group `groupId` consumer and transactional producers fail once where `faults` says. */
function faultyKafka(kafka: Kafka, groupId: string, faults: Faults): Kafka {
  const wrapped = throughTransactionCommit(kafka, async (txn) => {
    if (!faults.commit) return txn.commit();
    faults.commit = false;
    await txn.abort();
    throw new Error('injected: transaction commit failed');
  });
  wrapped.consumer = (config) => {
    const consumer: Consumer = kafka.consumer(config);
    if (config.groupId !== groupId) return consumer;
    const run = consumer.run.bind(consumer);
    consumer.run = (runConfig?: ConsumerRunConfig) => {
      const eachBatch = runConfig?.eachBatch;
      if (!eachBatch) return run(runConfig);
      return run({
        ...runConfig,
        eachBatch: (payload) =>
          eachBatch({
            ...payload,
            heartbeat: async () => {
              if (!faults.heartbeat || !faults.heartbeatWhen()) return payload.heartbeat();
              faults.heartbeat = false;
              throw new KafkaJSConnectionError('injected: group coordinator unreachable');
            },
          }),
      });
    };
    return consumer;
  };
  return wrapped;
}

describe('KafkaRuntime exactly-once: a failed commit on the heartbeat path', () => {
  it('reopens the tasks from their last commit even when kafkajs does not rejoin (nothing lost)', { timeout: 60_000 }, async () => {
    const { kafka, input, output, appId } = await eventCountTopics(1, 'commit-fault-app');
    await produceKeyed(kafka, input, 0, 100, 10);

    // Armed once the task has processed the first 100 records (a first batch may be stale after the rewind to the start).
    const faults: Faults = { heartbeat: true, heartbeatWhen: () => rt.metrics.recordsIn.total() >= 100, commit: true };
    const stateDir = mkdtempSync(join(tmpdir(), 'streams-commit-fault-'));
    dirs.push(stateDir);
    // A clock that never moves: no interval commit, so the first commit is the heartbeat path's.
    const rt = frozenExactlyOnceRuntime({ kafka, clients: faultyKafka(kafka, appId, faults), appId, input, output, stateDir });
    await rt.start();
    const counted = () => countedInTask0(rt);
    try {
      await until('the heartbeat and commit faults to fire', async () => (!faults.heartbeat && !faults.commit ? true : undefined));
      await produceKeyed(kafka, input, 100, 100, 10);
      await until('the task counting all 200 records', async () => ((await counted()) === 200n ? true : undefined), 30_000);
    } finally {
      await rt.stop();
    }

    const last = await finalCounts(kafka, output, new Map(Array.from({ length: 10 }, (_, i) => [`k${i}`, 20n])));
    for (let i = 0; i < 10; i++) expect(last.get(`k${i}`), `k${i}`).toBe(20n);
    expect(rt.metrics.commitFailures.total()).toBeGreaterThanOrEqual(1);
  });
});
