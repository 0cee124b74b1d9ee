/**
 * Exactly-once across a change of owner: a task that opens must fence the previous owner of
 * its partition (its `transactional.id`) before it reads the committed offsets and the
 * changelog ends. Otherwise a last transaction of that owner (a rebalance, or this instance's
 * own commit that failed client-side after the coordinator took it) can still land after the
 * task read both: its input is then processed twice, or its offsets are seen without its
 * changelog records and its state updates are lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { produceKeyed } from '../fixtures/kafka.ts';
import { eventCountTopics, finalCounts, frozenExactlyOnceRuntime } from '../fixtures/event-count-app.ts';
import { until } from '../fixtures/poll.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('KafkaRuntime exactly-once: fencing the previous owner', () => {
  it("a previous owner's open transaction cannot commit once the task has opened (nothing processed twice)", async () => {
    const { kafka, input, output, appId } = await eventCountTopics(1, 'fence-app');
    await produceKeyed(kafka, input, 0, 100, 10);

    // The previous owner of partition 0 processed all 100 records; its last transaction
    // (an output and the input offset) is still open when the new owner starts.
    const zombie = kafka.producer({ transactionalId: `${appId}-0`, idempotent: true, maxInFlightRequests: 1 });
    await zombie.connect();
    const txn = await zombie.transaction();
    await txn.send({ topic: output, acks: -1, messages: [{ key: 'zombie', value: Buffer.alloc(8) }] });
    await txn.sendOffsets({ consumerGroupId: appId, topics: [{ topic: input, partitions: [{ partition: 0, offset: '100' }] }] });

    const stateDir = mkdtempSync(join(tmpdir(), 'streams-fence-'));
    dirs.push(stateDir);
    // A clock that never moves: the runtime commits only when it stops, after the zombie tried.
    const rt = frozenExactlyOnceRuntime({ kafka, appId, input, output, stateDir });
    await rt.start();
    let zombieOutcome: string;
    try {
      await until('the new owner processing the 100 records', async () => (rt.metrics.recordsIn.total() === 100 ? true : undefined));
      zombieOutcome = await txn.commit().then(
        () => 'committed',
        (err: unknown) => (err as { type?: string }).type ?? String(err),
      );
    } finally {
      await rt.stop();
      await zombie.disconnect();
    }

    const last = await finalCounts(kafka, output, new Map(Array.from({ length: 10 }, (_, i) => [`k${i}`, 10n])));
    // The zombie's record sits before the runtime's in the log: read past it, it was seen if it committed.
    expect(zombieOutcome).not.toBe('committed');
    expect(last.has('zombie')).toBe(false);
    for (let i = 0; i < 10; i++) expect(last.get(`k${i}`), `k${i}`).toBe(10n);
  });
});
