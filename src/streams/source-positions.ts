import { stringSerde } from '../serde/serde.ts';
import { storeSpec, type KeyValueStore, type StoreSpec } from '../state/store.ts';

/** The task-internal store of processed positions, change-logged like any store. */
export const SOURCE_POSITIONS: StoreSpec<string, string> = storeSpec('source-positions', stringSerde, stringSerde);

/**
 * How far a task has processed each source topic, kept apart from what it commits to the
 * group: a topology that rebuilds part of its state from its sources (the source topic
 * as a changelog) commits an earlier offset, and on restart the records between the two
 * are *replayed* — processed to rebuild state, emitting nothing (their outputs were
 * committed the first time). The processed position is written in the same commit as
 * the outputs, so it says exactly which records those were.
 */
export class SourcePositions {
  /** Processed position (next offset) per topic, as of the last commit. */
  private readonly processed = new Map<string, bigint>();
  /** Where the runtime resumes each topic (its committed offset). */
  private readonly resumeAt = new Map<string, bigint>();
  /** Topics whose replay is over: a record at or past the processed position was seen. */
  private readonly caughtUp = new Set<string>();

  constructor(private readonly store: KeyValueStore<string, string>) {}

  async load(): Promise<void> {
    for await (const { key, value } of this.store.all()) this.processed.set(key, BigInt(value));
  }

  /** The runtime reads `topic` from `offset` on (undefined: from the start of the log). */
  resumeFrom(topic: string, offset: bigint | undefined): void {
    this.resumeAt.set(topic, offset ?? 0n);
  }

  /** True for a record below the processed position: it only rebuilds state. */
  isReplay(topic: string, offset: bigint): boolean {
    const p = this.processed.get(topic);
    return p !== undefined && offset < p;
  }

  /** Called for every record the task processed or saw past its replay. */
  seen(topic: string, offset: bigint): void {
    if (this.caughtUp.has(topic)) return;
    const p = this.processed.get(topic);
    if (p === undefined || offset + 1n >= p) this.caughtUp.add(topic);
  }

  /** True while some topic still has records to replay. */
  pending(): boolean {
    for (const [topic, p] of this.processed) {
      if (this.caughtUp.has(topic)) continue;
      if ((this.resumeAt.get(topic) ?? 0n) < p) return true;
      this.caughtUp.add(topic);
    }
    return false;
  }

  /**
   * Records how far `reached` goes (never backwards: a replay reaches less) and returns
   * the processed position of every topic known.
   */
  async advance(reached: ReadonlyMap<string, bigint>): Promise<Map<string, bigint>> {
    for (const [topic, off] of reached) {
      const p = this.processed.get(topic);
      if (p !== undefined && off <= p) continue;
      this.processed.set(topic, off);
      await this.store.put(topic, off.toString());
    }
    return new Map(this.processed);
  }
}
