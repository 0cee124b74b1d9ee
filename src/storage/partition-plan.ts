/**
 * Which ClickHouse partitions a disk budget gives up first. Pure: the enforcer feeds it
 * `system.parts` and drops what it names.
 *
 * Tiers, first to go first: the per-trace tables (spans and, for the same day, trace_blobs
 * and traces), then the per-minute aggregates, then the hourly rollups, then the daily one.
 * Within a tier the oldest partition goes, for every table of the tier at once; the newest
 * partition of a tier (where new rows land) is never dropped, so ingest and sampling keep
 * running. `sink_batches` (exactly-once bookkeeping) and `schema_migrations` are never
 * candidates. trace_id_ts (weekly partitions) follows the spans: a week goes once no
 * spans partition of it is left.
 */
export const BUDGET_TIERS: readonly (readonly string[])[] = [
  ['spans', 'trace_blobs', 'traces'],
  ['dependency_edges', 'span_metrics'],
  ['dependency_edges_1h', 'span_metrics_1h'],
  ['dependency_edges_1d'],
];

/** One active partition of a table, as system.parts reports it. */
export interface PartitionInfo {
  readonly table: string;
  /** The partition key's value as text: `2026-11-28`, `202611`, `2026` (sorts by time within a tier). */
  readonly partition: string;
  readonly partitionId: string;
  readonly bytes: number;
  readonly rows: number;
}

export interface DropPlan {
  readonly tier: number;
  readonly partition: string;
  readonly drops: readonly PartitionInfo[];
}

const LOOKUP_TABLE = 'trace_id_ts';
const WEEK_MS = 7 * 86_400_000;

/** The next partitions to drop, or undefined when every tier is down to its newest partition. */
export function nextDrop(parts: readonly PartitionInfo[]): DropPlan | undefined {
  for (const [tier, tables] of BUDGET_TIERS.entries()) {
    const inTier = parts.filter((p) => tables.includes(p.table));
    const values = [...new Set(inTier.map((p) => p.partition))].sort();
    if (values.length < 2) continue;
    const oldest = values[0] as string;
    const drops = inTier.filter((p) => p.partition === oldest);
    if (tier === 0) drops.push(...staleLookups(parts, values[1] as string));
    return { tier, partition: oldest, drops };
  }
  return undefined;
}

/** trace_id_ts weeks that end before `firstDay`, the oldest spans day that stays. */
function staleLookups(parts: readonly PartitionInfo[], firstDay: string): PartitionInfo[] {
  const first = Date.parse(`${firstDay}T00:00:00Z`);
  if (Number.isNaN(first)) return [];
  return parts.filter((p) => p.table === LOOKUP_TABLE && Date.parse(`${p.partition}T00:00:00Z`) + WEEK_MS <= first);
}
