import type { Consumer, Message, Producer, RecordMetadata, TopicMessages } from 'kafkajs';
import type { OutgoingRecord, StreamTask } from './task.ts';

export type OffsetsToCommit = { topic: string; partition: number; offset: string }[];

function toTopicMessages(records: readonly OutgoingRecord[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const r of records) {
    let list = byTopic.get(r.topic);
    if (!list) byTopic.set(r.topic, (list = []));
    const m: Message = { key: r.key, value: r.value, timestamp: String(r.timestamp), headers: { ...r.headers } };
    if (r.partition !== undefined) m.partition = r.partition;
    list.push(m);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/**
 * Last changelog offset per store from the produce acknowledgements: records of one
 * partition go in one batch, so the last is baseOffset + count - 1.
 */
function changelogOffsets(records: readonly OutgoingRecord[], acks: readonly RecordMetadata[], task: StreamTask): Map<string, bigint> {
  const counts = new Map<string, { store: string; n: number }>();
  for (const r of records) {
    if (!r.store || r.partition !== task.id) continue;
    const c = counts.get(r.topic);
    if (c) c.n++;
    else counts.set(r.topic, { store: r.store, n: 1 });
  }
  const out = new Map<string, bigint>();
  for (const [topic, { store, n }] of counts) {
    const ack = acks.find((a) => a.topicName === topic && a.partition === task.id);
    if (ack?.baseOffset !== undefined) out.set(store, BigInt(ack.baseOffset) + BigInt(n) - 1n);
  }
  return out;
}

/**
 * At-least-once commit for all due tasks at once: produce outputs and changelogs with
 * acks=all, then commit input offsets, then let RocksDB catch up.
 */
export async function commitAtLeastOnce(producer: Producer, consumer: Consumer, due: readonly { task: StreamTask; offsets: OffsetsToCommit }[]): Promise<void> {
  const perTask = due.map((d) => ({ ...d, records: d.task.prepareCommit() }));
  const all = perTask.flatMap((d) => d.records);
  const acks = all.length > 0 ? await producer.sendBatch({ topicMessages: toTopicMessages(all), acks: -1 }) : [];
  const offsets = perTask.flatMap((d) => d.offsets);
  if (offsets.length > 0) await consumer.commitOffsets(offsets);
  for (const d of perTask) await d.task.completeCommit(changelogOffsets(d.records, acks, d.task));
}

/**
 * Exactly-once commit of one task: outputs, changelog and input offsets in one Kafka
 * transaction on the task's transactional producer; aborted on any failure.
 */
export async function commitExactlyOnce(producer: Producer, groupId: string, task: StreamTask, offsets: OffsetsToCommit): Promise<void> {
  const records = task.prepareCommit();
  const txn = await producer.transaction();
  let acks: RecordMetadata[] = [];
  try {
    if (records.length > 0) acks = await txn.sendBatch({ topicMessages: toTopicMessages(records), acks: -1 });
    if (offsets.length > 0) {
      const topics = [...new Set(offsets.map((o) => o.topic))].map((topic) => ({
        topic,
        partitions: offsets.filter((o) => o.topic === topic).map((o) => ({ partition: o.partition, offset: o.offset })),
      }));
      await txn.sendOffsets({ consumerGroupId: groupId, topics });
    }
    await txn.commit();
  } catch (err) {
    await txn.abort().catch(() => undefined);
    throw err;
  }
  await task.completeCommit(changelogOffsets(records, acks, task));
}
