import type { Admin, Kafka } from 'kafkajs';
import type { OffsetsToCommit } from './kafka-commit.ts';
import { copartitionedCount } from './topology.ts';

/** Runs `fn` on a short-lived admin client (the broker queries a runtime makes beside its consumer). */
export async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** The group's committed offset of every partition of `topics` ('-1' where none). */
export function committedOffsets(kafka: Kafka, groupId: string, topics: string[]): Promise<OffsetsToCommit> {
  return withAdmin(kafka, async (admin) =>
    (await admin.fetchOffsets({ groupId, topics })).flatMap(({ topic, partitions }) => partitions.map(({ partition, offset }) => ({ topic, partition, offset }))),
  );
}

/** The first offset still in the log of `topic`'s `partition`. */
export function logStartOffset(kafka: Kafka, topic: string, partition: number): Promise<bigint> {
  return withAdmin(kafka, async (admin) => {
    const p = (await admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition);
    if (!p) throw new Error(`topic ${topic} has no partition ${partition}`);
    return BigInt(p.low);
  });
}

/** Partition count shared by the external source topics (tasks = partitions). */
export function sourcePartitionCount(kafka: Kafka, applicationId: string, topics: readonly string[]): Promise<number> {
  return withAdmin(kafka, async (admin) => {
    const counts = new Map<string, number>();
    for (const topic of topics) counts.set(topic, (await admin.fetchTopicOffsets(topic)).length);
    return copartitionedCount(applicationId, counts);
  });
}
