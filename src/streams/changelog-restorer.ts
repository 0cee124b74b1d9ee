import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../util/log.ts';
import type { ChangelogEntry } from '../state/task-store.ts';
import type { StreamsMetrics } from './metrics.ts';
import type { RestorePlan } from './task.ts';
import { withAdmin } from './group-admin.ts';

export type ApplyRestored = (plan: RestorePlan, entries: ChangelogEntry[], lastOffset: bigint) => Promise<void>;

const APPLY_BATCH = 2000;
/** A restore this long without a record or batch is reported (what is left, what is paused). */
const STALL_REPORT_MS = 10_000;

/** One changelog partition being restored: `next` only moves forward, so a re-read applies nothing twice. */
interface Progress {
  readonly plan: RestorePlan;
  /** The partition's end (high watermark, after every writer was fenced) when the restore started. */
  readonly end: bigint;
  next: bigint;
}

/**
 * Reads changelog partitions from a checkpoint to their end and hands the records to the
 * stores. kafkajs has no manual partition assignment, so a throwaway consumer group
 * subscribes to the changelog topics, seeks the planned partitions and pauses the rest.
 * The end is the high watermark read before starting: every writer of the partition was
 * fenced before, so no transaction is open and nothing after it can commit. A partition is done once a fetch
 * reaches the end; control records and aborted records count (kafkajs reports those through
 * END_BATCH_PROCESS only), so a changelog ending in a transaction marker finishes too.
 * Records are applied inside eachBatch only, one batch at a time; a rejoin of the restore
 * group seeks to where each partition got to, never back to its checkpoint.
 */
export async function restoreChangelogs(
  kafka: Kafka,
  plans: readonly RestorePlan[],
  apply: ApplyRestored,
  opts: { logger: Logger; metrics: StreamsMetrics; heartbeat?: () => Promise<void> },
): Promise<void> {
  const pending = await planEnds(kafka, plans);
  if (pending.size === 0) return;
  const remaining = (): number => [...pending.values()].reduce((n, p) => n + Number(p.end - p.next), 0);
  opts.metrics.restoreRemaining.set(remaining());
  opts.logger.info('restoring stores from changelogs', { partitions: pending.size, records: remaining() });

  const consumer = kafka.consumer({
    groupId: `tailstream-restore-${randomUUID()}`,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    // Applying a large fetch on a busy machine must not cost the (only) member its place.
    sessionTimeout: 60_000,
    rebalanceTimeout: 60_000,
  });
  let resolveDone!: () => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<void>((res, rej) => ((resolveDone = res), (rejectDone = rej)));
  const finish = (id: string, topic: string, partition: number): void => {
    pending.delete(id);
    consumer.pause([{ topic, partitions: [partition] }]);
    if (pending.size === 0) resolveDone();
  };
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    for (const [topic, parts] of Object.entries(payload.memberAssignment)) {
      for (const partition of parts) {
        const p = pending.get(`${topic}/${partition}`);
        if (p) consumer.seek({ topic, partition, offset: p.next.toString() });
        else consumer.pause([{ topic, partitions: [partition] }]);
      }
    }
  });
  // Batches holding only control or aborted records never reach eachBatch.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const id = `${payload.topic}/${payload.partition}`;
    const p = pending.get(id);
    watch.progressed();
    if (!p) return;
    // Batches that reached eachBatch moved the position there (and applied what they held).
    if (payload.batchSize === 0) advance(p, BigInt(payload.lastOffset));
    if (p.next >= p.end) finish(id, payload.topic, payload.partition);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => rejectDone(payload.error));
  const watch = stallWatch(consumer, pending, opts.logger);
  // The caller's group is rebalancing: give up so the caller can rejoin (its group waits
  // for it). Thrown inside eachBatch, the error would only make the restore group rejoin
  // and the restore would go round forever while the caller's group waits.
  let abandoned = false;
  const heartbeatCaller = async (): Promise<void> => {
    try {
      await opts.heartbeat?.();
    } catch (err) {
      abandoned = true;
      rejectDone(err);
    }
  };
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...new Set(plans.map((p) => p.topic))], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        const id = `${batch.topic}/${batch.partition}`;
        const p = pending.get(id);
        watch.progressed();
        if (!p || abandoned) return;
        let entries: ChangelogEntry[] = [];
        const flush = async (last: bigint): Promise<void> => {
          const taken = entries;
          entries = [];
          await apply(p.plan, taken, last);
          opts.metrics.restoreRemaining.add(-taken.length);
          await heartbeatCaller();
          await heartbeat();
        };
        for (const m of batch.messages) {
          if (abandoned) return;
          const off = BigInt(m.offset);
          if (off < p.next || off >= p.end) continue;
          if (m.key) entries.push({ key: m.key, value: m.value });
          p.next = off + 1n;
          if (entries.length >= APPLY_BATCH) await flush(off);
        }
        advance(p, BigInt(batch.lastOffset()));
        await flush(p.next - 1n);
        if (p.next >= p.end) finish(id, batch.topic, batch.partition);
      },
    });
    await done;
  } finally {
    watch.stop();
    await consumer.disconnect();
  }
  opts.metrics.restoreRemaining.set(0);
  opts.logger.info('restore complete', { partitions: plans.length });
}

/** Past `last` (a fetch's last offset, control records included), capped at the end. */
function advance(p: Progress, last: bigint): void {
  if (last + 1n > p.next) p.next = last + 1n > p.end ? p.end : last + 1n;
}

/** Where each plan's restore ends; plans already at their end are left out. */
async function planEnds(kafka: Kafka, plans: readonly RestorePlan[]): Promise<Map<string, Progress>> {
  return withAdmin(kafka, async (admin) => {
    const pending = new Map<string, Progress>();
    const byTopic = new Map<string, Awaited<ReturnType<typeof admin.fetchTopicOffsets>>>();
    for (const plan of plans) {
      let offsets = byTopic.get(plan.topic);
      if (!offsets) byTopic.set(plan.topic, (offsets = await admin.fetchTopicOffsets(plan.topic)));
      // kafkajs' admin lists offsets read_uncommitted: `high` is the high watermark. Every
      // writer of the partition was fenced, so no transaction is open and it is also the
      // last stable offset; were one open, reading up to it waits (rather than missing data).
      const end = BigInt(offsets.find((o) => o.partition === plan.partition)?.high ?? '0');
      if (end > plan.fromOffset) pending.set(`${plan.topic}/${plan.partition}`, { plan, end, next: plan.fromOffset });
    }
    return pending;
  });
}

/**
 * Logs when the restore goes STALL_REPORT_MS without a batch: which partitions are left
 * (next / end), which of them the consumer has paused, and how many fetches came back empty.
 */
function stallWatch(consumer: Consumer, pending: ReadonlyMap<string, Progress>, logger: Logger): { progressed(): void; stop(): void } {
  let last = Date.now();
  let fetches = 0;
  const off = consumer.on(consumer.events.FETCH, () => void fetches++);
  const timer = setInterval(() => {
    if (Date.now() - last < STALL_REPORT_MS) return;
    const paused = new Set(consumer.paused().flatMap(({ topic, partitions }) => partitions.map((p) => `${topic}/${p}`)));
    logger.warn('changelog restore making no progress', {
      sinceMs: Date.now() - last,
      emptyFetches: fetches,
      pending: [...pending].map(([id, p]) => `${id} ${p.next}/${p.end}${paused.has(id) ? ' paused' : ''}`),
    });
  }, STALL_REPORT_MS / 2);
  timer.unref();
  return {
    progressed: () => {
      last = Date.now();
      fetches = 0;
    },
    stop: () => {
      clearInterval(timer);
      off();
    },
  };
}
