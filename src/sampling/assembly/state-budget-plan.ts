/**
 * What a task gives up to bring the RocksDB state back under its disk budget. Pure: the
 * task's budget (state-budget.ts) feeds it the bytes its stores take and acts on the plan.
 *
 * Tiers, first to go first: the span buffer (in-flight traces are decided early, the ones
 * due soonest first), then the decision cache (the oldest decisions expire early), then the
 * aggregate windows (emitted early as partial sums). A tier gives up the share of its
 * entries that its bytes must shrink by; the next tier is touched only for what the tier
 * before could not cover. The bytes are what the entries hold, not what the stores' files
 * take: a store's manifest and preallocated write-ahead log stay however little it holds.
 */
export type EvictionKind = 'traces' | 'decisions' | 'windows';

export const EVICTION_ORDER: readonly EvictionKind[] = ['traces', 'decisions', 'windows'];

export interface TierUsage {
  readonly kind: EvictionKind;
  /** Bytes the tier's entries hold (what shedding all of them could reclaim). */
  readonly bytes: number;
  /** Entries that could go (in-flight traces, cached decisions, window rows). */
  readonly entries: number;
}

export interface ShedPlan {
  /** Share of each tier's entries to give up, in (0, 1]; absent: the tier is left alone. */
  readonly fractions: ReadonlyMap<EvictionKind, number>;
  /** Bytes still over when every tier has given up all it has (nothing more to drop). */
  readonly shortBytes: number;
}

/** Which shares of which tiers go to free `excessBytes`. */
export function planShed(excessBytes: number, tiers: readonly TierUsage[]): ShedPlan {
  const fractions = new Map<EvictionKind, number>();
  let left = excessBytes;
  for (const kind of EVICTION_ORDER) {
    if (left <= 0) break;
    const tier = tiers.find((t) => t.kind === kind);
    if (!tier || tier.entries <= 0 || tier.bytes <= 0) continue;
    const f = Math.min(1, left / tier.bytes);
    fractions.set(kind, f);
    left -= f * tier.bytes;
  }
  return { fractions, shortBytes: Math.max(0, left) };
}
