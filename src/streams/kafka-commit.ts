import type { Consumer, Message, Producer, RecordMetadata, TopicMessages } from 'kafkajs';
import { messageBytes, produceChunks } from './produce-chunks.ts';
import type { OutgoingRecord, StreamTask } from './task.ts';
import { errorMessage, TailstreamError } from '../util/errors.ts';

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

type Send = (topicMessages: TopicMessages[]) => Promise<RecordMetadata[]>;

/**
 * Produces records in chunks, in order, and returns the last changelog offset per store of
 * `task`: within one chunk a partition's records are one batch, so the last offset is
 * baseOffset + count - 1.
 */
async function produceChunked(send: Send, records: readonly OutgoingRecord[], task?: StreamTask): Promise<Map<string, bigint>> {
  const offsets = new Map<string, bigint>();
  for (const chunk of produceChunks(records, messageBytes)) {
    const acks = await send(toTopicMessages(chunk));
    if (!task) continue;
    const counts = new Map<string, { store: string; n: number }>();
    for (const r of chunk) {
      if (!r.store || r.partition !== task.id) continue;
      const c = counts.get(r.topic);
      if (c) c.n++;
      else counts.set(r.topic, { store: r.store, n: 1 });
    }
    for (const [topic, { store, n }] of counts) {
      const ack = acks.find((a) => a.topicName === topic && a.partition === task.id);
      if (ack?.baseOffset !== undefined) offsets.set(store, BigInt(ack.baseOffset) + BigInt(n) - 1n);
    }
  }
  return offsets;
}

/**
 * At-least-once commit for all due tasks at once: produce outputs and changelogs with
 * acks=all, then commit input offsets, then let RocksDB catch up.
 */
export async function commitAtLeastOnce(producer: Producer, consumer: Consumer, due: readonly { task: StreamTask; offsets: OffsetsToCommit }[], compression = 0): Promise<void> {
  const send: Send = (topicMessages) => producer.sendBatch({ topicMessages, acks: -1, compression });
  const perTask = [];
  for (const d of due) perTask.push({ ...d, changelog: await produceChunked(send, await d.task.prepareCommit(), d.task) });
  const offsets = due.flatMap((d) => d.offsets);
  if (offsets.length > 0) await consumer.commitOffsets(offsets);
  for (const d of perTask) await d.task.completeCommit(d.changelog);
}

/** Attempts at a transaction step the coordinator refuses while it finishes the previous one. */
const CONCURRENT_TXN_ATTEMPTS = 50;

/**
 * Retries a step that CONCURRENT_TRANSACTIONS refused. The coordinator answers so while it
 * writes the previous transaction's markers; the Java producer retries it after a short
 * backoff. kafkajs retries it for AddPartitionsToTxn (inside a send) but not for
 * AddOffsetsToTxn, which opens the transaction when a commit carries offsets only, so
 * without this a routine commit failed and the task rolled back.
 */
export async function retryConcurrentTransactions<T>(step: () => Promise<T>, attempts = CONCURRENT_TXN_ATTEMPTS): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await step();
    } catch (err) {
      if ((err as { type?: string }).type !== 'CONCURRENT_TRANSACTIONS' || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, Math.min(20 * i, 200)));
    }
  }
}

/**
 * Fences the previous owner of a transactional.id now: InitProducerId aborts its open
 * transaction, waits out one the coordinator is still completing (CONCURRENT_TRANSACTIONS,
 * retried by kafkajs) and bumps the epoch. kafkajs sends it at the first `transaction()`,
 * not on `connect()`; an empty transaction ends without a request to the broker.
 */
export async function fencePreviousOwner(producer: Producer): Promise<void> {
  const txn = await producer.transaction();
  await txn.abort();
}

/**
 * Exactly-once commit of one task, sent: what its `prepareCommit` took (outputs, changelog)
 * and its input offsets in one Kafka transaction on the task's transactional producer;
 * aborted on any failure. Returns the last changelog offset per store, for `completeCommit`.
 */
export async function sendTransaction(producer: Producer, groupId: string, task: StreamTask, records: readonly OutgoingRecord[], offsets: OffsetsToCommit, compression = 0): Promise<Map<string, bigint>> {
  const txn = await producer.transaction();
  let changelog: Map<string, bigint>;
  let step = 'produce';
  try {
    changelog = await produceChunked((topicMessages) => txn.sendBatch({ topicMessages, acks: -1, compression }), records, task);
    if (offsets.length > 0) {
      step = 'send offsets';
      const topics = [...new Set(offsets.map((o) => o.topic))].map((topic) => ({
        topic,
        partitions: offsets.filter((o) => o.topic === topic).map((o) => ({ partition: o.partition, offset: o.offset })),
      }));
      await retryConcurrentTransactions(() => txn.sendOffsets({ consumerGroupId: groupId, topics }));
    }
    step = 'commit';
    await txn.commit();
  } catch (err) {
    await txn.abort().catch(() => undefined);
    throw new TransactionError(`task ${task.id}: ${step} failed: ${errorMessage(err)}`, { cause: err });
  }
  return changelog;
}

/** A task's transaction failed at a named step (and was aborted where the producer still could). */
export class TransactionError extends TailstreamError {
  readonly code = 'TRANSACTION_FAILED';
  readonly retriable = true;
}
