import { batchToken, type BatchIntent } from './batch-log.ts';

/** Rows (or what becomes rows) of consecutive input records of one topic partition, bound for one table. */
export interface Batch<T> {
  readonly table: string;
  readonly fromOffset: bigint;
  readonly toOffset: bigint;
  readonly token: string;
  readonly items: readonly T[];
  readonly rows: number;
  /** The intent this batch re-inserts after a crash (already recorded), if any. */
  readonly replay: boolean;
}

interface Building<T> {
  fromOffset: bigint;
  toOffset: bigint;
  items: T[];
  rows: number;
}

export type AddOutcome = 'buffered' | 'replay-started' | 'replay-sealed' | 'intent-stale';

/**
 * Cuts one table's input into batches with deterministic boundaries for replays.
 *
 * Normally a batch is whatever arrived between two commits. After a restart, the last
 * recorded intent (from `sink_batches`) may describe a batch that was inserted but whose
 * offsets were never committed: when the replay reaches its first offset, the records up
 * to its last offset are held as that very batch (same range, same token), whatever the
 * commit timing, and records after it start a new batch. An intent whose range the replay
 * does not start in was committed already and is dropped.
 */
export class TableBatcher<T> {
  private intent: BatchIntent | undefined;
  private replaying: Building<T> | undefined;
  private readonly sealed: Batch<T>[] = [];
  private open: Building<T> | undefined;

  constructor(
    readonly table: string,
    readonly topic: string,
    readonly partition: number,
    intent?: BatchIntent,
  ) {
    this.intent = intent;
  }

  /** Adds one input record's items (`rows` of them once converted; 0 keeps the offset range). */
  add(offset: bigint, items: readonly T[], rows: number): AddOutcome {
    let outcome: AddOutcome = 'buffered';
    const intent = this.intent;
    if (intent && !this.replaying) {
      if (offset >= intent.fromOffset && offset <= intent.toOffset) {
        this.replaying = { fromOffset: intent.fromOffset, toOffset: intent.toOffset, items: [], rows: 0 };
        outcome = 'replay-started';
      } else {
        this.intent = undefined;
        outcome = 'intent-stale';
      }
    }
    if (this.replaying && intent) {
      if (offset <= intent.toOffset) {
        this.replaying.items.push(...items);
        this.replaying.rows += rows;
        if (offset < intent.toOffset) return outcome;
        this.seal(intent);
        return 'replay-sealed';
      }
      this.seal(intent); // the intent's last record is gone (compaction): the batch ends before this one
      outcome = 'replay-sealed';
    }
    if (!this.open) this.open = { fromOffset: offset, toOffset: offset, items: [], rows: 0 };
    this.open.toOffset = offset;
    this.open.items.push(...items);
    this.open.rows += rows;
    return outcome;
  }

  /** True while a replayed batch is incomplete: committing now would change its boundaries. */
  cutting(): boolean {
    return this.replaying !== undefined;
  }

  /** Rows buffered, replayed and new. */
  rows(): number {
    return (this.replaying?.rows ?? 0) + this.sealed.reduce((n, b) => n + b.rows, 0) + (this.open?.rows ?? 0);
  }

  /** Rows of the batch still accepting records. */
  openRows(): number {
    return this.open?.rows ?? 0;
  }

  /** Everything to insert at this commit, in order: sealed replays first, then the new batch. */
  take(): { replays: Batch<T>[]; fresh: Batch<T> | undefined } {
    if (this.replaying) throw new Error(`${this.table}: replayed batch ${this.intent?.token ?? ''} is incomplete`);
    const replays = this.sealed.splice(0);
    const o = this.open;
    this.open = undefined;
    if (!o || o.rows === 0) return { replays, fresh: undefined };
    const token = batchToken(this.table, this.topic, this.partition, o.fromOffset, o.toOffset);
    return { replays, fresh: { table: this.table, fromOffset: o.fromOffset, toOffset: o.toOffset, token, items: o.items, rows: o.rows, replay: false } };
  }

  /** The intent being replayed, for logs. */
  pendingIntent(): BatchIntent | undefined {
    return this.intent;
  }

  private seal(intent: BatchIntent): void {
    const r = this.replaying as Building<T>;
    this.sealed.push({ table: this.table, fromOffset: r.fromOffset, toOffset: r.toOffset, token: intent.token, items: r.items, rows: r.rows, replay: true });
    this.replaying = undefined;
    this.intent = undefined;
  }
}
