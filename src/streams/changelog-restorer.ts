import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Logger } from '../util/log.ts';
import type { ChangelogEntry } from '../state/task-store.ts';
import type { StreamsMetrics } from './metrics.ts';
import type { RestorePlan } from './task.ts';

export type ApplyRestored = (plan: RestorePlan, entries: ChangelogEntry[], lastOffset: bigint) => Promise<void>;

const APPLY_BATCH = 2000;

/**
 * Reads changelog partitions from a checkpoint to their end and hands the records to the
 * stores. kafkajs has no manual partition assignment, so a throwaway consumer group
 * subscribes to the changelog topics, seeks the planned partitions and pauses the rest;
 * the end is the committed high watermark read before starting (control records count,
 * through kafkajs' END_BATCH_PROCESS event, so a transactional changelog finishes too).
 */
export async function restoreChangelogs(
  kafka: Kafka,
  plans: readonly RestorePlan[],
  apply: ApplyRestored,
  opts: { logger: Logger; metrics: StreamsMetrics; heartbeat?: () => Promise<void> },
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const pending = new Map<string, { plan: RestorePlan; end: bigint }>();
  try {
    for (const plan of plans) {
      const offsets = await admin.fetchTopicOffsets(plan.topic);
      const end = BigInt(offsets.find((o) => o.partition === plan.partition)?.high ?? '0');
      if (end > plan.fromOffset) pending.set(`${plan.topic}/${plan.partition}`, { plan, end });
    }
  } finally {
    await admin.disconnect();
  }
  if (pending.size === 0) return;
  const remaining = (): number => [...pending.values()].reduce((n, p) => n + Number(p.end - p.plan.fromOffset), 0);
  opts.metrics.restoreRemaining.set(remaining());
  opts.logger.info('restoring stores from changelogs', { partitions: pending.size, records: remaining() });

  const consumer = kafka.consumer({ groupId: `tailstream-restore-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 100 });
  const buffers = new Map<string, { entries: ChangelogEntry[]; last: bigint }>();
  let resolveDone!: () => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<void>((res, rej) => ((resolveDone = res), (rejectDone = rej)));
  const flush = async (id: string): Promise<void> => {
    const p = pending.get(id);
    const b = buffers.get(id);
    if (!p || !b || (b.entries.length === 0 && b.last < p.plan.fromOffset)) return;
    await apply(p.plan, b.entries, b.last);
    opts.metrics.restoreRemaining.add(-b.entries.length);
    b.entries = [];
  };
  const topics = [...new Set(plans.map((p) => p.topic))];
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    for (const [topic, parts] of Object.entries(payload.memberAssignment)) {
      for (const partition of parts) {
        const p = pending.get(`${topic}/${partition}`);
        if (p) consumer.seek({ topic, partition, offset: p.plan.fromOffset.toString() });
        else consumer.pause([{ topic, partitions: [partition] }]);
      }
    }
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const id = `${payload.topic}/${payload.partition}`;
    const p = pending.get(id);
    if (!p || BigInt(payload.lastOffset) < p.end - 1n) return;
    void flush(id)
      .then(() => {
        pending.delete(id);
        consumer.pause([{ topic: payload.topic, partitions: [payload.partition] }]);
        if (pending.size === 0) resolveDone();
      })
      .catch(rejectDone);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => rejectDone(payload.error));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const id = `${batch.topic}/${batch.partition}`;
        const p = pending.get(id);
        if (!p) return;
        let b = buffers.get(id);
        if (!b) buffers.set(id, (b = { entries: [], last: p.plan.fromOffset - 1n }));
        for (const m of batch.messages) {
          const off = BigInt(m.offset);
          if (off < p.plan.fromOffset || off >= p.end) continue;
          if (m.key) b.entries.push({ key: m.key, value: m.value });
          b.last = off;
          if (b.entries.length >= APPLY_BATCH) await flush(id);
        }
        b.last = BigInt(batch.lastOffset()) < p.end ? BigInt(batch.lastOffset()) : b.last;
        await opts.heartbeat?.();
      },
    });
    await done;
  } finally {
    await consumer.disconnect();
  }
  opts.metrics.restoreRemaining.set(0);
  opts.logger.info('restore complete', { partitions: plans.length });
}
