import type { KeyValueStore } from '../../state/store.ts';
import { dueBefore, expiryKey, IndexScanMark, traceIdOfIndexKey } from './keys.ts';

/** A cached decision: late spans follow it until it expires. */
export interface CachedDecision {
  readonly sampled: boolean;
  readonly policy: string;
  readonly sampleRate: number;
  readonly reason: string;
  readonly decidedAtMs: number;
  readonly expiresAtMs: number;
}

/**
 * Trace id → decision in RocksDB, with an expiry index for the TTL and a bound on entries
 * (the oldest go first). The ids are also held in memory — bounded by the same limit and
 * rebuilt from the store on start — so a trace never decided costs no RocksDB read.
 */
export class DecisionCache {
  private readonly ids = new Set<string>();
  private readonly mark = new IndexScanMark();

  constructor(
    private readonly decisions: KeyValueStore<string, CachedDecision>,
    private readonly expiry: KeyValueStore<string, string>,
    private readonly maxEntries: number,
  ) {}

  async load(): Promise<void> {
    for await (const { key } of this.expiry.all()) this.ids.add(traceIdOfIndexKey(key));
  }

  get size(): number {
    return this.ids.size;
  }

  async get(traceId: string): Promise<CachedDecision | undefined> {
    return this.ids.has(traceId) ? this.decisions.get(traceId) : undefined;
  }

  async put(traceId: string, d: CachedDecision): Promise<void> {
    if (this.ids.size >= this.maxEntries) await this.expire(Infinity, this.ids.size - this.maxEntries + 1);
    await this.decisions.put(traceId, d);
    const key = expiryKey(d.expiresAtMs, traceId);
    await this.expiry.put(key, '');
    this.mark.put(key);
    this.ids.add(traceId);
  }

  /** After a rollback: expired entries may be back in the index. */
  rescanAll(): void {
    this.mark.reset();
  }

  /** Drops decisions past their TTL at `now`, at most `max` of them (the oldest first). */
  async expire(now: number, max = Infinity): Promise<void> {
    if (this.ids.size === 0) return;
    const upTo = Number.isFinite(now) ? dueBefore(now) : '9';
    const expired: string[] = [];
    for await (const { key } of this.expiry.range(this.mark.from, upTo, { limit: max })) expired.push(key);
    if (expired.length < max) this.mark.advance(upTo);
    for (const key of expired) {
      const traceId = traceIdOfIndexKey(key);
      await this.expiry.delete(key);
      await this.decisions.delete(traceId);
      this.ids.delete(traceId);
    }
  }
}
