/**
 * A new cluster answers on its port before its group and transaction coordinators have
 * loaded their internal topics; the first test would then see COORDINATOR_LOAD_IN_PROGRESS.
 * One committed transaction and one group offset fetch make both coordinators ready.
 */
import { Kafka, logLevel } from 'kafkajs';
import { KafkaTopicAdmin } from '../../src/streams/topic-admin.ts';

async function retry<T>(what: string, fn: () => Promise<T>, until: number): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > until) throw new Error(`[broker] warm-up: ${what} still failing: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export async function warmUp(brokers: string[], nodes: number, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  const kafka = new Kafka({ clientId: 'tailstream-warm-up', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await retry('admin connect', () => admin.connect(), until);
  try {
    const topic = '__tailstream-warm-up';
    await retry('create topic', () => new KafkaTopicAdmin(kafka, Math.min(3, nodes)).ensureTopics([{ topic, partitions: 1 }]), until);
    await retry('group coordinator', () => admin.fetchOffsets({ groupId: 'tailstream-warm-up', topics: [topic] }), until);
    const producer = kafka.producer({ transactionalId: 'tailstream-warm-up', idempotent: true, maxInFlightRequests: 1 });
    await retry('producer connect', () => producer.connect(), until);
    try {
      await retry(
        'transaction coordinator',
        async () => {
          const tx = await producer.transaction();
          try {
            await tx.send({ topic, messages: [{ value: 'warm-up' }] });
            await tx.commit();
          } catch (err) {
            await tx.abort().catch(() => undefined);
            throw err;
          }
        },
        until,
      );
    } finally {
      await producer.disconnect();
    }
  } finally {
    await admin.disconnect();
  }
}
