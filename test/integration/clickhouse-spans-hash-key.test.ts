import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationVars } from '../../src/clickhouse/migrate.ts';
import { loadQuery } from '../../src/clickhouse/queries.ts';
import { renderTemplate, splitStatements } from '../../src/clickhouse/template.ts';
import { rowToSpan, traceRows, type SpanRow } from '../../src/clickhouse/rows.ts';
import { ClickHouseWriter } from '../../src/sink/writer.ts';
import { hexId, normalizeSpan, openTestClickHouse, richSpan, type TestClickHouse } from '../fixtures/clickhouse.ts';

/**
 * Migration 013 on a database that ran 001-012 and holds spans: `spans` is rebuilt with the
 * content hash as a sorting-key expression instead of a stored column. The rows read back
 * the same, replayed copies still collapse and differing twins still survive the merge,
 * and the views on `spans` keep firing after the exchange.
 */
const MIGRATIONS = fileURLToPath(new URL('../../sql/migrations/', import.meta.url));
const decision = { policy: 'p', sampleRate: 1, late: false };

let ch: TestClickHouse;
let upTo012: string;
beforeAll(async () => {
  upTo012 = mkdtempSync(join(tmpdir(), 'tailstream-migrations-'));
  for (const f of readdirSync(MIGRATIONS).filter((n) => Number(n.slice(0, 3)) <= 12)) cpSync(join(MIGRATIONS, f), join(upTo012, f));
  ch = await openTestClickHouse({ database: 'old', dir: upTo012, spansTtlDays: 0, errorTtlDays: 0 });
});
afterAll(async () => {
  await ch?.close();
  rmSync(upTo012, { recursive: true, force: true });
});

const stored = async (): Promise<string[]> =>
  (await ch.rows<{ column: string }>("SELECT DISTINCT column FROM system.parts_columns WHERE database = 'old' AND table = 'spans' AND active AND column = 'content_hash'")).map((r) => r.column);

describe('migration 013: spans sorted by the content hash expression, not a stored column', () => {
  it('keeps the rows of an existing database, stores no content_hash, and still collapses only replays', async () => {
    const writer = new ClickHouseWriter({ client: ch.client });
    const traceId = hexId(0x13, 32);
    const span = { ...richSpan(BigInt(Date.now() - 60_000) * 1_000_000n), traceId };
    await writer.insert('spans', traceRows([span], decision), 'hash-key-1');
    expect(await stored()).toEqual(['content_hash']);

    const report = await migrate(ch.client, { database: 'old', spansTtlDays: 0, errorTtlDays: 0 });
    expect(report.applied).toContain(13);
    const [col] = await ch.rows<{ default_kind: string }>("SELECT default_kind FROM system.columns WHERE database = 'old' AND table = 'spans' AND name = 'content_hash'");
    expect(col?.default_kind).toBe('ALIAS');
    const read = async () => (await ch.rows<SpanRow>(loadQuery('trace_spans_by_id'), { trace_id: traceId })).map((r) => normalizeSpan(rowToSpan(r)));
    expect(await read()).toEqual([normalizeSpan(span)]);

    // A replay of the migrated span and a twin sharing its id but not its name, after the exchange.
    await writer.insert('spans', traceRows([span], decision), 'hash-key-replay');
    await writer.insert('spans', traceRows([{ ...span, name: 'renamed' }], decision), 'hash-key-twin');
    await ch.client.command({ query: 'OPTIMIZE TABLE old.spans FINAL' });
    const names = await ch.rows<{ name: string }>('SELECT name FROM old.spans WHERE trace_id = {t:String}', { t: traceId });
    expect(names.map((r) => r.name).sort()).toEqual([span.name, 'renamed'].sort());
    expect(await stored()).toEqual([]);

    // The views on spans follow the exchanged table.
    const later = hexId(0x14, 32);
    await writer.insert('spans', traceRows([{ ...span, traceId: later }], decision), 'hash-key-later');
    expect(await ch.rows('SELECT trace_id FROM old.traces WHERE trace_id = {t:String} GROUP BY trace_id', { t: later })).toHaveLength(1);
    expect(await ch.rows('SELECT trace_id FROM old.trace_id_ts WHERE trace_id = {t:String} GROUP BY trace_id', { t: later })).toHaveLength(1);
  });

  it('runs again from the start after being cut off between the exchange and its record, losing and doubling no row', async () => {
    const db = 'cut';
    await migrate(ch.client, { database: db, dir: upTo012, spansTtlDays: 0, errorTtlDays: 0 });
    // The writer inserts into the client's database ('old'); this one is `cut`.
    const writer = new ClickHouseWriter({ client: { insert: (params) => ch.client.insert({ ...params, table: `${db}.${params.table}` }) } });
    const spans = [1, 2, 3].map((n) => ({ ...richSpan(BigInt(Date.now() - 60_000) * 1_000_000n), traceId: hexId(0x30 + n, 32) }));
    await writer.insert('spans', traceRows(spans, decision), 'cut-1');
    // 013's statements up to the exchange, then a crash: spans is the new table, spans_013 the old one.
    const text = readFileSync(join(MIGRATIONS, readdirSync(MIGRATIONS).find((n) => n.startsWith('013_')) as string), 'utf8');
    const statements = splitStatements(renderTemplate(text, migrationVars({ database: db, spansTtlDays: 0, errorTtlDays: 0 })));
    for (const sql of statements.slice(0, statements.findIndex((q) => q.startsWith('EXCHANGE')) + 1)) await ch.client.command({ query: sql });

    const report = await migrate(ch.client, { database: db, spansTtlDays: 0, errorTtlDays: 0 });
    expect(report.applied.filter((v) => v <= 13)).toEqual([13]); // later migrations follow it
    const [count] = await ch.rows<{ n: string }>(`SELECT count() AS n FROM ${db}.spans`);
    expect(Number(count?.n)).toBe(3);
    expect(await ch.rows(`SELECT name FROM system.tables WHERE database = '${db}' AND name = 'spans_013'`)).toEqual([]);
    const [col] = await ch.rows<{ default_kind: string }>(`SELECT default_kind FROM system.columns WHERE database = '${db}' AND table = 'spans' AND name = 'content_hash'`);
    expect(col?.default_kind).toBe('ALIAS');
  });
});
