/**
 * A read_committed consumer never sees a record of an aborted transaction, however the
 * transactions of several producers interleave in a partition and wherever a fetch starts.
 */
import { describe, expect, it } from 'vitest';
import { testKafka, testTopicAdmin, uniqueName } from '../fixtures/kafka.ts';

describe('read_committed on the broker', () => {
  it('skips every record of aborted transactions interleaved with committed ones', async () => {
    const kafka = testKafka();
    const topic = uniqueName('interleaved-txns');
    await testTopicAdmin(kafka).ensureTopics([{ topic, partitions: 1 }]);
    const producers = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const p = kafka.producer({ transactionalId: uniqueName(`txn-${i}`), idempotent: true, maxInFlightRequests: 1 });
        await p.connect();
        return p;
      }),
    );
    const committed: string[] = [];
    for (let round = 0; round < 6; round++) {
      const txns = await Promise.all(producers.map((p) => p.transaction()));
      for (let k = 0; k < 5; k++) {
        for (const [i, t] of txns.entries()) {
          const value = `r${round}-p${i}-${k}`;
          await t.send({ topic, acks: -1, messages: [{ key: `p${i}`, value }] });
          if ((round + i) % 2 === 0) committed.push(value);
        }
      }
      for (const [i, t] of txns.entries()) {
        if ((round + i) % 2 === 0) await t.commit();
        else await t.abort();
      }
    }
    await Promise.all(producers.map((p) => p.disconnect()));

    const seen: string[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100, maxBytesPerPartition: 200, maxBytes: 200 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    const until = Date.now() + 20_000;
    while (seen.length < committed.length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    await consumer.disconnect();
    expect(seen.filter((v) => !committed.includes(v))).toEqual([]);
    expect(seen.sort()).toEqual([...committed].sort());
  }, 60_000);
});
