/**
 * Exactly-once, a task's transaction is sent while the task processes on: what it processes
 * meanwhile belongs to the next commit. If the transaction being sent fails, that later work
 * is dropped with it and read again — every count still exact on the output.
 *
 * The real broker's transactional producer is wrapped so a transaction's commit waits until
 * the test lets it go, then fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { MockClock } from '../../src/streams/clock.ts';
import { countedInTask0, eventCountTopics, finalCounts, frozenExactlyOnceRuntime } from '../fixtures/event-count-app.ts';
import { produceKeyed } from '../fixtures/kafka.ts';
import { until } from '../fixtures/poll.ts';
import { throughTransactionCommit } from '../fixtures/transaction-commit.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Gate {
  armed: boolean;
  held: boolean;
  release: () => void;
}

/** `kafka` whose next transaction commit, once `gate` is armed, waits for `gate.release` and then fails. */
function heldCommitKafka(kafka: Kafka, gate: Gate): Kafka {
  return throughTransactionCommit(kafka, async (txn) => {
    if (!gate.armed) return txn.commit();
    gate.armed = false;
    gate.held = true;
    await new Promise<void>((resolve) => (gate.release = resolve));
    await txn.abort();
    throw new Error('injected: transaction commit failed after being held');
  });
}

describe('KafkaRuntime exactly-once: processing goes on while a commit is sent', () => {
  it('processes new records during a held transaction; when it fails, they are read again and counted once', { timeout: 90_000 }, async () => {
    const { kafka, input, output, appId } = await eventCountTopics(1, 'in-flight-app');
    await produceKeyed(kafka, input, 0, 100, 10);
    const gate: Gate = { armed: false, held: false, release: () => undefined };
    const clock = new MockClock(0);
    const stateDir = mkdtempSync(join(tmpdir(), 'streams-commit-in-flight-'));
    dirs.push(stateDir);
    const rt = frozenExactlyOnceRuntime({ kafka, clients: heldCommitKafka(kafka, gate), appId, input, output, stateDir, clock });
    await rt.start();
    const counted = () => countedInTask0(rt);
    try {
      await until('the task counting the first 100 records', async () => ((await counted()) === 100n ? true : undefined), 30_000);
      gate.armed = true;
      clock.advance(1_000); // the next tick commits
      await until('the commit to reach the broker and be held', async () => (gate.held ? true : undefined), 30_000);
      await produceKeyed(kafka, input, 100, 100, 10);
      await until('the task counting 200 records while its commit is held', async () => ((await counted()) === 200n ? true : undefined), 30_000);
      gate.release();
      // The failure reopens the task from before the held commit: all 200 are counted again.
      await until('the counts committed after the failure', async () => {
        clock.advance(1_000);
        return rt.metrics.commitFailures.total() >= 1 && rt.metrics.commits.total() >= 1 && (await counted()) === 200n ? true : undefined;
      }, 60_000);
    } finally {
      gate.release();
      await rt.stop();
    }
    const last = await finalCounts(kafka, output, new Map(Array.from({ length: 10 }, (_, i) => [`k${i}`, 20n])));
    for (let i = 0; i < 10; i++) expect(last.get(`k${i}`), `k${i}`).toBe(20n);
  });
});
