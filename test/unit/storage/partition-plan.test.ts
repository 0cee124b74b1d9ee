import { describe, expect, it } from 'vitest';
import { nextDrop, type PartitionInfo } from '../../../src/storage/partition-plan.ts';

const p = (table: string, partition: string): PartitionInfo => ({ table, partition, partitionId: partition.replace(/-/g, ''), bytes: 100, rows: 10 });
const names = (parts: readonly PartitionInfo[] | undefined) => parts?.map((x) => `${x.table}@${x.partition}`).sort();

describe('nextDrop: which partitions a disk budget gives up first', () => {
  it.each([
    {
      what: 'the oldest day of spans, trace_blobs and traces together, before any aggregate',
      parts: [p('spans', '2026-11-28'), p('spans', '2026-11-29'), p('trace_blobs', '2026-11-28'), p('traces', '2026-11-28'), p('dependency_edges', '2026-11-20'), p('span_metrics', '2026-11-20'), p('span_metrics', '2026-11-29')],
      expected: ['spans@2026-11-28', 'trace_blobs@2026-11-28', 'traces@2026-11-28'],
    },
    {
      what: 'aggregates once the per-trace tables are down to their newest day',
      parts: [p('spans', '2026-11-29'), p('trace_blobs', '2026-11-29'), p('dependency_edges', '2026-11-20'), p('dependency_edges', '2026-11-29'), p('span_metrics', '2026-11-20')],
      expected: ['dependency_edges@2026-11-20', 'span_metrics@2026-11-20'],
    },
    {
      what: 'hourly rollups after the minute tables, the daily one last',
      parts: [p('spans', '2026-11-29'), p('span_metrics', '2026-11-29'), p('span_metrics_1h', '202610'), p('span_metrics_1h', '202611'), p('dependency_edges_1d', '2025')],
      expected: ['span_metrics_1h@202610'],
    },
    {
      what: 'a trace_id_ts week once no spans day of it is left',
      parts: [p('spans', '2026-11-22'), p('spans', '2026-11-30'), p('trace_id_ts', '2026-11-09'), p('trace_id_ts', '2026-11-16'), p('trace_id_ts', '2026-11-23')],
      expected: ['spans@2026-11-22', 'trace_id_ts@2026-11-09', 'trace_id_ts@2026-11-16', 'trace_id_ts@2026-11-23'],
    },
  ])('drops $what', ({ parts, expected }) => {
    expect(names(nextDrop(parts)?.drops)).toEqual(expected);
  });

  it('never drops the newest partition of a tier, nor sink_batches', () => {
    expect(nextDrop([p('spans', '2026-11-29'), p('dependency_edges_1d', '2026'), p('sink_batches', 'tuple()'), p('schema_migrations', 'tuple()')])).toBeUndefined();
  });
});
