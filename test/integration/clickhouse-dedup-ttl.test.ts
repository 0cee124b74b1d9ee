import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusCode } from '../../src/model/span.ts';
import { migrate } from '../../src/clickhouse/migrate.ts';
import { edgeToRow, traceRows } from '../../src/clickhouse/rows.ts';
import { ClickHouseWriter } from '../../src/sink/writer.ts';
import { emptyBuckets } from '../../src/edges/histogram.ts';
import { hexId, makeSpan, openTestClickHouse, type TestClickHouse } from '../fixtures/clickhouse.ts';
import { writeKeptSpans } from '../fixtures/trace-records.ts';

let ch: TestClickHouse;
let writer: ClickHouseWriter;
const DAY_NS = 86_400_000_000_000n;
const nowNs = BigInt(Date.now()) * 1_000_000n;

beforeAll(async () => {
  ch = await openTestClickHouse(); // default retention: 7 days, 30 for error traces
  await migrate(ch.client, { database: 'forever', spansTtlDays: 0, errorTtlDays: 0, minuteTtlDays: 0, hourTtlDays: 0 });
  writer = new ClickHouseWriter({ client: ch.client });
});
afterAll(async () => ch?.close());

/** A 3-span trace starting `ageNs` ago. */
function trace(n: number, ageNs: bigint, error = false) {
  const start = nowNs - ageNs;
  return [0, 1, 2].map((i) =>
    makeSpan({
      traceId: hexId(n, 32), spanId: hexId(n * 10 + i + 1, 16), parentSpanId: i === 0 ? '' : hexId(n * 10 + 1, 16),
      startTimeUnixNano: start + BigInt(i), endTimeUnixNano: start + 1_000_000n,
      status: { code: error && i === 2 ? StatusCode.ERROR : StatusCode.OK, message: '' },
    }),
  );
}

const count = async (sql: string): Promise<number> => Number((await ch.rows<{ c: string }>(`SELECT ${sql} AS c`))[0]?.c);

describe('insert deduplication', () => {
  it('the same batch twice with the same token lands once, in spans, trace_blobs and every view', async () => {
    const spans = [...trace(1, 60_000_000_000n), ...trace(2, DAY_NS)];
    await writeKeptSpans(writer, spans, { policy: 'p', sampleRate: 1, late: false }, 'batch-A');
    await writeKeptSpans(writer, spans, { policy: 'p', sampleRate: 1, late: false }, 'batch-A');
    expect(await count('(SELECT count() FROM spans)')).toBe(6);
    expect(await count('(SELECT count() FROM trace_blobs)')).toBe(2);
    expect(await count('(SELECT count() FROM traces)')).toBe(2); // one partial row per trace, not two
    expect(await count('(SELECT count() FROM trace_id_ts)')).toBe(2);
  });

  it('a batch big enough to go in two inserts lands once when replayed with its token', async () => {
    const spans = Array.from({ length: 1_400 }, (_, t) => trace(100 + t, 60_000_000_000n)).flat(); // 4 200 spans: two inserts into spans
    const ids = `(SELECT trace_id FROM spans WHERE trace_id >= '${hexId(100, 32)}' AND trace_id < '${hexId(1_500, 32)}')`;
    await writeKeptSpans(writer, spans, { policy: 'p', sampleRate: 1, late: false }, 'batch-split');
    await writeKeptSpans(writer, spans, { policy: 'p', sampleRate: 1, late: false }, 'batch-split');
    expect(await count(`(SELECT count() FROM spans WHERE trace_id IN ${ids})`)).toBe(4_200);
    expect(await count(`(SELECT count() FROM trace_blobs WHERE trace_id IN ${ids})`)).toBe(1_400);
    expect(await count(`(SELECT count() FROM traces WHERE trace_id IN ${ids})`)).toBe(1_400);
    expect(await count(`(SELECT count() FROM trace_id_ts WHERE trace_id IN ${ids})`)).toBe(1_400);
  });

  it('a different token is a different batch (no content-hash surprises)', async () => {
    const rows = traceRows(trace(3, 60_000_000_000n), { policy: 'p', sampleRate: 1, late: false });
    await writer.insert('spans', rows, 'batch-B');
    await writer.insert('spans', rows, 'batch-C');
    expect(await count(`(SELECT count() FROM spans WHERE trace_id = '${hexId(3, 32)}')`)).toBe(6);
    // ...which the span counts (distinct span ids) never double count, and the replacing engine collapses
    expect(await count(`(SELECT uniqExact(span_id) FROM spans WHERE trace_id = '${hexId(3, 32)}')`)).toBe(3);
    await ch.client.command({ query: 'OPTIMIZE TABLE spans FINAL' });
    expect(await count(`(SELECT count() FROM spans WHERE trace_id = '${hexId(3, 32)}')`)).toBe(3);
  });

  it('rollups fed by materialized views are deduplicated too', async () => {
    const buckets = emptyBuckets();
    buckets[3] = 4;
    const edge = { windowStartMs: Number(nowNs / 1_000_000n / 60_000n) * 60_000, parent: 'a', child: 'b', connectionType: 'http' as const, virtualChild: false, calls: 4, errors: 0, durationSumNanos: 4n, durationBuckets: buckets };
    await writer.insert('dependency_edges', [edgeToRow(edge)], 'edges-1');
    await writer.insert('dependency_edges', [edgeToRow(edge)], 'edges-1');
    expect(await count('(SELECT sum(calls) FROM dependency_edges)')).toBe(4);
    expect(await count('(SELECT sum(calls) FROM dependency_edges_1h)')).toBe(4);
    expect(await count('(SELECT sum(calls) FROM dependency_edges_1d)')).toBe(4);
  });
});

describe('TTL retention', () => {
  const decision = { policy: 'p', sampleRate: 1, late: false };
  const batch = [
    ...trace(10, 2n * DAY_NS), // ok, young: kept
    ...trace(11, 10n * DAY_NS), // ok, older than 7 days: expires
    ...trace(12, 10n * DAY_NS, true), // error trace, 10 days: kept for 30
    ...trace(13, 40n * DAY_NS, true), // error trace, older than 30 days: expires
    ...trace(14, 400n * DAY_NS), // ancient
  ];
  const kept = async (db: string): Promise<number[]> =>
    (await ch.rows<{ t: string }>(`SELECT DISTINCT trace_id AS t FROM ${db}.spans WHERE trace_id IN (${[10, 11, 12, 13, 14].map((n) => `'${hexId(n, 32)}'`).join(',')}) ORDER BY t`)).map((r) => parseInt(r.t, 16));

  it('drops spans past 7 days, error traces past 30, after a TTL merge', async () => {
    await writeKeptSpans(writer, batch, decision, 'ttl-1');
    await ch.client.command({ query: 'OPTIMIZE TABLE spans FINAL' });
    expect(await kept('tailstream')).toEqual([10, 12]);
    await ch.client.command({ query: 'OPTIMIZE TABLE traces FINAL' });
    const traces = await ch.rows<{ t: string }>(`SELECT DISTINCT trace_id AS t FROM traces WHERE trace_id IN (${[10, 11, 12, 13, 14].map((n) => `'${hexId(n, 32)}'`).join(',')}) ORDER BY t`);
    expect(traces.map((r) => parseInt(r.t, 16))).toEqual([10, 12]);
  });

  it('TTL 0 keeps everything, however old', async () => {
    await writeKeptSpans(writer, batch, decision, 'ttl-1', (table) => `forever.${table}`);
    await ch.client.command({ query: 'OPTIMIZE TABLE forever.spans FINAL' });
    expect(await kept('forever')).toEqual([10, 11, 12, 13, 14]);
    expect(await count('(SELECT count() FROM forever.traces FINAL)')).toBe(5);
    const ddl = await ch.rows<{ q: string }>("SELECT create_table_query AS q FROM system.tables WHERE database = 'forever' AND name IN ('spans', 'traces', 'trace_id_ts')");
    for (const { q } of ddl) expect(q).not.toMatch(/\bTTL\b/);
  });
});
