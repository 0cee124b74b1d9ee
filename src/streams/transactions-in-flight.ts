import type { Producer } from 'kafkajs';
import { sendTransaction, type OffsetsToCommit } from './kafka-commit.ts';
import type { OutgoingRecord, StreamTask } from './task.ts';

/** One task's share of an exactly-once commit, taken (prepareCommit) and ready to send. */
export interface TakenCommit {
  readonly task: StreamTask;
  readonly producer: Producer;
  readonly records: readonly OutgoingRecord[];
  readonly offsets: OffsetsToCommit;
}

/** How a sent commit ended: the tasks whose transactions committed, and the first failure. */
export interface SentCommit {
  readonly tasks: readonly StreamTask[];
  readonly committed: readonly StreamTask[];
  readonly error?: unknown;
  readonly startedMs: number;
}

/**
 * The exactly-once commit being sent, at most one: each task's transaction on its own
 * producer, all side by side, while the runtime goes on processing. A task whose
 * transaction committed applies it to RocksDB right away (its stores keep later changes
 * apart, see TaskStore); the runtime settles the commit before it takes the next one,
 * rebalances or stops, and rolls back on failure as it did when it waited.
 */
export class TransactionsInFlight {
  private sending: Promise<SentCommit> | undefined;
  private ended = false;

  constructor(
    private readonly groupId: string,
    private readonly compression: number,
  ) {}

  /** True when a commit was sent and has ended: settling it does not wait. */
  get hasEnded(): boolean {
    return this.sending !== undefined && this.ended;
  }

  start(taken: readonly TakenCommit[], startedMs: number): void {
    if (this.sending) throw new Error('a commit is still being sent: settle it first');
    this.ended = false;
    this.sending = this.send(taken, startedMs).finally(() => (this.ended = true));
  }

  /** Waits for the commit being sent; undefined when there is none. */
  async settle(): Promise<SentCommit | undefined> {
    const sending = this.sending;
    if (!sending) return undefined;
    try {
      return await sending;
    } finally {
      this.sending = undefined;
    }
  }

  private async send(taken: readonly TakenCommit[], startedMs: number): Promise<SentCommit> {
    const results = await Promise.allSettled(
      taken.map(async ({ task, producer, records, offsets }) => {
        await task.completeCommit(await sendTransaction(producer, this.groupId, task, records, offsets, this.compression));
      }),
    );
    const tasks = taken.map((t) => t.task);
    const committed = tasks.filter((_, i) => results[i]?.status === 'fulfilled');
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    return failed ? { tasks, committed, error: failed.reason, startedMs } : { tasks, committed, startedMs };
  }
}
