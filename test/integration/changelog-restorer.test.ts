/**
 * The changelog restorer on the broker: it applies each committed record once, finishes on
 * a partition that ends in an abort marker, and gives up (instead of going round forever)
 * when the caller's group starts rebalancing mid-restore.
 */
import { describe, expect, it } from 'vitest';
import { restoreChangelogs } from '../../src/streams/changelog-restorer.ts';
import { streamsMetrics } from '../../src/streams/metrics.ts';
import type { RestorePlan } from '../../src/streams/task.ts';
import { MetricsRegistry } from '../../src/metrics/registry.ts';
import { createLogger } from '../../src/util/log.ts';
import { testKafka, testTopicAdmin, uniqueName } from '../fixtures/kafka.ts';

const RECORDS = 5_000;

/** A one-partition changelog: RECORDS committed records, then an aborted transaction. */
async function changelog(): Promise<RestorePlan> {
  const kafka = testKafka();
  const topic = uniqueName('restore-changelog');
  await testTopicAdmin(kafka).ensureTopics([{ topic, partitions: 1, compacted: true }]);
  const producer = kafka.producer({ transactionalId: uniqueName('restore-writer'), idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < RECORDS; i += 1_000) {
      const txn = await producer.transaction();
      const messages = Array.from({ length: 1_000 }, (_, j) => ({ key: `k${i + j}`, value: `v${i + j}`, partition: 0 }));
      await txn.send({ topic, messages });
      await txn.commit();
    }
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ key: 'aborted', value: 'x', partition: 0 }] });
    await aborted.abort();
  } finally {
    await producer.disconnect();
  }
  return { store: 's', topic, partition: 0, fromOffset: 0n };
}

const opts = () => ({ logger: createLogger('restore-test', 'warn'), metrics: streamsMetrics(new MetricsRegistry()) });

describe('changelog restorer', () => {
  it('applies every committed record once and finishes on a changelog ending in an abort marker', async () => {
    const plan = await changelog();
    const seen = new Map<string, number>();
    let last = -1n;
    await restoreChangelogs(
      testKafka(),
      [plan],
      async (_p, entries, lastOffset) => {
        for (const e of entries) seen.set(String(e.key), (seen.get(String(e.key)) ?? 0) + 1);
        last = lastOffset;
      },
      opts(),
    );
    expect(seen.size).toBe(RECORDS);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(seen.has('aborted')).toBe(false);
    expect(last).toBeGreaterThanOrEqual(BigInt(RECORDS));
  }, 60_000);

  it("gives up when the caller's heartbeat fails (its group rebalances) instead of restoring round and round", async () => {
    const plan = await changelog();
    let applied = 0;
    const rebalancing = Object.assign(new Error('The group is rebalancing, so a rejoin is needed'), { type: 'REBALANCE_IN_PROGRESS', retriable: false });
    const run = restoreChangelogs(
      testKafka(),
      [plan],
      async (_p, entries) => {
        applied += entries.length;
      },
      {
        ...opts(),
        heartbeat: async () => {
          throw rebalancing;
        },
      },
    );
    await expect(run).rejects.toBe(rebalancing);
    expect(applied).toBeLessThanOrEqual(RECORDS);
  }, 60_000);
});
