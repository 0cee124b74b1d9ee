import type { Batch } from 'kafkajs';

/** A batch as kafkajs hands it over: it also carries the offset it was fetched from (not in its types). */
export type FetchedBatch = Batch & { readonly fetchedOffset?: string };

/**
 * Where a task reads each of its sources next: the offset after the last record it processed
 * or passed over (its committed offset when it opened). kafkajs runs one fetcher per broker
 * and applies a seek in the next fetch of the partition's leader; a batch fetched before the
 * seek can still be handed over after a new leader's fetcher took it (isStale() false), from
 * any position, and a leader change can hand the same records over twice. A batch is read
 * only from here: records below are passed over, a batch fetched from further on is a gap
 * (`gapAt`) the runtime resolves with the broker.
 */
export class ReadPositions {
  private readonly next = new Map<string, bigint>();

  constructor(committed: Iterable<readonly [topic: string, offset: bigint]>) {
    for (const [topic, offset] of committed) this.next.set(topic, offset);
  }

  get(topic: string): bigint | undefined {
    return this.next.get(topic);
  }

  /** Where the task reads `topic` next, when `batch` was fetched from past it (else undefined). */
  gapAt(batch: FetchedBatch): bigint | undefined {
    const next = this.next.get(batch.topic);
    if (next === undefined || batch.fetchedOffset === undefined) return undefined;
    return BigInt(batch.fetchedOffset) > next ? next : undefined;
  }

  /** The records below `offset` need not be read (processed, passed over, or gone from the log). */
  moveTo(topic: string, offset: bigint): void {
    this.next.set(topic, offset);
  }

  /** Whether the record at `offset` was read already. */
  passed(topic: string, offset: string): boolean {
    const next = this.next.get(topic);
    return next !== undefined && BigInt(offset) < next;
  }

  /** A record read (processed or passed over); kafkajs resolves the control records after a batch's last one with it. */
  read(batch: FetchedBatch, offset: string, last: boolean): void {
    const at = BigInt(offset) + 1n;
    const end = last ? BigInt(batch.lastOffset()) + 1n : at;
    const next = this.next.get(batch.topic);
    const reached = end > at ? end : at;
    if (next === undefined || reached > next) this.next.set(batch.topic, reached);
  }

  /**
   * kafkajs resolved a batch of only control or aborted records without handing it over.
   * When it starts at or before where the task reads next, nothing readable lies in it.
   */
  passedOver(topic: string, firstOffset: string | null, lastOffset: string): void {
    const next = this.next.get(topic);
    if (next === undefined || firstOffset === null || BigInt(firstOffset) > next) return;
    const end = BigInt(lastOffset) + 1n;
    if (end > next) this.next.set(topic, end);
  }
}
