import type { KeyValueStore } from '../../state/store.ts';
import { ExpiryOrder } from './expiry-order.ts';

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
 * Trace id → decision in RocksDB, with a bound on entries (the oldest go first) and a TTL.
 * The ids and their expiry order are held in memory — bounded by the same limit and rebuilt
 * from the stored decisions on start — so a trace never decided costs no RocksDB read and
 * the TTL costs no index store or changelog record of its own.
 */
export class DecisionCache {
  private readonly ids = new Set<string>();
  private readonly order = new ExpiryOrder();

  constructor(
    private readonly decisions: KeyValueStore<string, CachedDecision>,
    private readonly maxEntries: number,
  ) {}

  async load(): Promise<void> {
    const all: Array<[number, string]> = [];
    for await (const { key, value } of this.decisions.all()) all.push([value.expiresAtMs, key]);
    all.sort(([a], [b]) => a - b);
    for (const [at, traceId] of all) {
      this.ids.add(traceId);
      this.order.add(at, traceId);
    }
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
    this.order.add(d.expiresAtMs, traceId);
    this.ids.add(traceId);
  }

  /** Drops decisions past their TTL at `now`, at most `max` of them (the oldest first). */
  async expire(now: number, max = Infinity): Promise<void> {
    for (const traceId of this.order.takeDue(now, max)) {
      // A trace decided twice is listed twice: its decision goes with the first listing.
      if (!this.ids.delete(traceId)) continue;
      await this.decisions.delete(traceId);
    }
  }
}
