import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/registry.ts';
import { edgeToRow } from '../../src/clickhouse/rows.ts';
import { ClickHouseWriter } from '../../src/sink/writer.ts';
import { ClickHouseDiskBudget } from '../../src/storage/clickhouse-budget.ts';
import { createLogger } from '../../src/util/log.ts';
import { hexId, makeSpan, openTestClickHouse, type TestClickHouse } from '../fixtures/clickhouse.ts';
import { writeKeptSpans } from '../fixtures/trace-records.ts';

const DAY_MS = 86_400_000;
const today = Math.floor(Date.now() / DAY_MS) * DAY_MS + 3_600_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
let ch: TestClickHouse;

beforeAll(async () => {
  ch = await openTestClickHouse({ spansTtlDays: 0, errorTtlDays: 0, minuteTtlDays: 0, hourTtlDays: 0 });
  const writer = new ClickHouseWriter({ client: ch.client });
  // Three days of traces (100 traces of 5 spans a day) and one minute of edges on the oldest day.
  for (const [d, startMs] of [today - 2 * DAY_MS, today - DAY_MS, today].entries()) {
    const spans = Array.from({ length: 500 }, (_, i) => makeSpan({
      traceId: hexId(d * 1000 + Math.floor(i / 5) + 1, 32), spanId: hexId(d * 10_000 + i + 1, 16), service: `svc-${i % 5}`,
      startTimeUnixNano: BigInt(startMs + i) * 1_000_000n, endTimeUnixNano: BigInt(startMs + i + 5) * 1_000_000n,
    }));
    const decision = { policy: 'keep', sampleRate: 1, late: false };
    await writeKeptSpans(writer, spans, decision, `budget|${d}`);
  }
  const edge = { windowStartMs: today - 2 * DAY_MS, parent: 'a', child: 'b', connectionType: 'http' as const, virtualChild: false, calls: 1, errors: 0, durationSumNanos: 1n, durationBuckets: [1] };
  await writer.insert('dependency_edges', [edgeToRow(edge)], 'budget|edges');
});
afterAll(async () => {
  await ch?.close();
});

const partitions = async (table: string) => (await ch.rows<{ p: string }>(`SELECT DISTINCT partition AS p FROM system.parts WHERE active AND database = 'tailstream' AND table = '${table}' ORDER BY p`)).map((r) => r.p);
const used = async () => Number((await ch.rows<{ b: string }>("SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE active AND database = 'tailstream'"))[0]?.b);

describe('ClickHouse disk budget', () => {
  it('drops the oldest day of the per-trace tables first, logging and counting what went; aggregates stay', async () => {
    const lines: string[] = [];
    const registry = new MetricsRegistry();
    const budget = new ClickHouseDiskBudget({ client: ch.client, database: 'tailstream', budgetBytes: (await used()) * 1.0, registry, log: createLogger('budget', 'info', (l) => lines.push(l)) });
    const gone = await budget.enforce();
    // trace_id_ts is partitioned by week: its oldest week goes too only when a week boundary falls between the days.
    expect(gone.filter((p) => p.table !== 'trace_id_ts').map((p) => `${p.table}@${p.partition}`).sort()).toEqual([`spans@${day(today - 2 * DAY_MS)}`, `trace_blobs@${day(today - 2 * DAY_MS)}`, `traces@${day(today - 2 * DAY_MS)}`]);
    expect(await partitions('spans')).toEqual([day(today - DAY_MS), day(today)]);
    expect(await partitions('dependency_edges')).toEqual([day(today - 2 * DAY_MS)]);
    expect(lines.filter((l) => l.includes('disk budget: dropped partition')).map((l) => JSON.parse(l).table).filter((t) => t !== 'trace_id_ts').sort()).toEqual(['spans', 'trace_blobs', 'traces']);
    expect(registry.exposition()).toMatch(/tailstream_clickhouse_budget_dropped_partitions_total\{table="spans"\} 1/);
  });

  it('keeps the newest partitions however small the budget, and says it has nothing left to drop', async () => {
    const lines: string[] = [];
    const budget = new ClickHouseDiskBudget({ client: ch.client, database: 'tailstream', budgetBytes: 1, registry: new MetricsRegistry(), log: createLogger('budget', 'info', (l) => lines.push(l)) });
    await budget.enforce();
    expect(await partitions('spans')).toEqual([day(today)]);
    expect(await partitions('trace_blobs')).toEqual([day(today)]);
    expect(Number((await ch.rows<{ n: string }>('SELECT count() AS n FROM spans'))[0]?.n)).toBe(500);
    expect(lines.some((l) => l.includes('nothing more to drop'))).toBe(true);
  });
});
