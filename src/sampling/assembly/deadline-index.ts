import type { KeyValueStore } from '../../state/store.ts';
import { deadlineKey, dueBefore, IndexScanMark, traceIdOfIndexKey } from './keys.ts';

/**
 * When each in-flight trace is due, as `<ms>|traceId` keys, so punctuation reads only due
 * traces and memory pressure finds the trace due soonest. Entries move lazily: a trace
 * whose deadline moved later keeps its old entry, which is re-filed when it comes up.
 */
export class DeadlineIndex {
  /** Where the index is live (see IndexScanMark). */
  private readonly mark = new IndexScanMark();

  constructor(private readonly store: KeyValueStore<string, string>) {}

  async add(ms: number, traceId: string): Promise<void> {
    const key = deadlineKey(ms, traceId);
    await this.store.put(key, '');
    this.mark.put(key);
  }

  async remove(ms: number, traceId: string): Promise<void> {
    await this.store.delete(deadlineKey(ms, traceId));
  }

  /** Takes (removes) up to `limit` entries due at `now`, oldest first. */
  async takeDue(now: number, limit: number): Promise<string[]> {
    const keys: string[] = [];
    for await (const { key } of this.store.range(this.mark.from, dueBefore(now), { limit })) keys.push(key);
    if (keys.length < limit) this.mark.advance(dueBefore(now));
    for (const key of keys) await this.store.delete(key);
    return keys.map(traceIdOfIndexKey);
  }

  /** Takes the entry due soonest, if any (memory pressure). */
  async takeFirst(): Promise<string | undefined> {
    let first: string | undefined;
    for await (const { key } of this.store.range(this.mark.from, undefined, { limit: 1 })) first = key;
    if (first === undefined) return undefined;
    // Every entry below it is gone: the next search starts here, not at the front of the
    // earlier victims' tombstones (that made each eviction cost all earlier ones).
    this.mark.advance(first);
    await this.store.delete(first);
    return traceIdOfIndexKey(first);
  }

  /** After a rollback taken entries are back. */
  rescanAll(): void {
    this.mark.reset();
  }
}
