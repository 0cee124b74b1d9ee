import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusCode } from '../../src/model/span.ts';
import { loadMigrations, migrate } from '../../src/clickhouse/migrate.ts';
import { loadQuery } from '../../src/clickhouse/queries.ts';
import { rowToSpan, type SpanRow } from '../../src/clickhouse/rows.ts';
import { ClickHouseWriter } from '../../src/sink/writer.ts';
import { hexId, makeSpan, normalizeSpan, openTestClickHouse, richSpan, str, type TestClickHouse } from '../fixtures/clickhouse.ts';
import { writeKeptSpans } from '../fixtures/trace-records.ts';

let ch: TestClickHouse;
let writer: ClickHouseWriter;
const nowNs = BigInt(Date.now()) * 1_000_000n;

beforeAll(async () => {
  ch = await openTestClickHouse();
  writer = new ClickHouseWriter({ client: ch.client });
});
afterAll(async () => ch?.close());

describe('migrate on chdb', () => {
  it('is idempotent and records every version once', async () => {
    const versions = (await loadMigrations()).map((m) => m.version);
    expect(versions.slice(0, 6)).toEqual([1, 2, 3, 4, 5, 6]);
    const again = await migrate(ch.client);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual(versions);
    const rows = await ch.rows<{ version: number }>('SELECT version FROM tailstream.schema_migrations FINAL ORDER BY version');
    expect(rows.map((r) => Number(r.version))).toEqual(versions);
  });
});

describe('Span -> row -> ClickHouse -> row -> Span', () => {
  it('keeps every model field: int64 extremes, doubles, NaN/-0, bytes, arrays, kvlists, events, links, 9-digit ns', async () => {
    const span = richSpan(nowNs - 60_000_000_000n);
    await writeKeptSpans(writer, [span], { policy: 'status-code', sampleRate: 0.25, late: true }, 'roundtrip-1');
    const rows = await ch.rows<SpanRow>(loadQuery('trace_spans_by_id'), { trace_id: span.traceId });
    expect(rows).toHaveLength(1);
    const row = rows[0] as SpanRow;
    expect(row).toMatchObject({ policy: 'status-code', sample_rate: 0.25, late: true, has_error: true, trace_error: true });
    expect(normalizeSpan(rowToSpan(row))).toEqual(normalizeSpan(span));
  });

  it('round-trips a few thousand generated spans exactly', async () => {
    const spans = Array.from({ length: 3000 }, (_v, i) =>
      makeSpan({
        traceId: hexId(1_000 + Math.floor(i / 10), 32),
        spanId: hexId(i + 1, 16),
        parentSpanId: i % 10 === 0 ? '' : hexId(i - (i % 10) + 1, 16),
        name: `op-${i % 7}`,
        service: `svc-${i % 3}`,
        startTimeUnixNano: nowNs - 3_600_000_000_000n + BigInt(i) * 1_000_003n,
        endTimeUnixNano: nowNs - 3_600_000_000_000n + BigInt(i) * 1_000_003n + BigInt(i * 997),
        status: { code: i % 11 === 0 ? StatusCode.ERROR : StatusCode.OK, message: '' },
        attributes: [str('i', String(i)), { key: 'n', value: { type: 'int', value: BigInt(i) * 3_000_000_000_000n } }, { key: 'x', value: { type: 'double', value: i / 3 } }],
      }),
    );
    const before = { ...writer.metrics };
    await writeKeptSpans(writer, spans, { policy: 'probabilistic', sampleRate: 10, late: false }, 'roundtrip-bulk');
    const rows = await ch.rows<SpanRow>("SELECT * FROM spans WHERE policy = 'probabilistic' ORDER BY span_id");
    expect(rows).toHaveLength(spans.length);
    const bySpan = new Map(rows.map((r) => [r.span_id, rowToSpan(r)]));
    for (const s of spans) expect(normalizeSpan(bySpan.get(s.spanId) ?? makeSpan())).toEqual(normalizeSpan(s));
    // spans and trace_blobs: a row per span and one per trace
    expect(writer.metrics).toMatchObject({ inserts: before.inserts + 2, rows: before.rows + spans.length + 300, retries: 0, failures: 0 });
  });

  it('fills the traces index and trace_id_ts from spans through the materialized views', async () => {
    const traceId = hexId(1_000, 32);
    const [t] = await ch.rows<{ root: string; services: string[]; lo: string; hi: string }>(
      'SELECT max(root_operation) AS root, arraySort(groupUniqArrayArray(services)) AS services FROM traces WHERE trace_id = {id:String}',
      { id: traceId },
    );
    expect(t).toMatchObject({ root: 'op-0', services: ['svc-0', 'svc-1', 'svc-2'] });
    const [b] = await ch.rows<{ lo: string; hi: string }>('SELECT toString(min(start)) AS lo, toString(max(end)) AS hi FROM trace_id_ts WHERE trace_id = {id:String}', { id: traceId });
    const [s] = await ch.rows<{ lo: string; hi: string }>('SELECT toString(min(start_time)) AS lo, toString(max(end_time)) AS hi FROM spans WHERE trace_id = {id:String}', { id: traceId });
    expect(b).toEqual(s);
  });

});
