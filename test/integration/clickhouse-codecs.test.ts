import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/clickhouse/migrate.ts';
import { loadQuery } from '../../src/clickhouse/queries.ts';
import { rowToSpan, traceRows, type SpanRow } from '../../src/clickhouse/rows.ts';
import { ClickHouseWriter } from '../../src/sink/writer.ts';
import { hexId, normalizeSpan, openTestClickHouse, richSpan, type TestClickHouse } from '../fixtures/clickhouse.ts';

/**
 * Migration 011 (spans codecs) on a fresh database and on one that ran 001-010 and holds
 * spans already: the codecs change, the rows written before read back the same, before and
 * after a merge rewrites their part with the new codecs.
 */
const MIGRATIONS = fileURLToPath(new URL('../../sql/migrations/', import.meta.url));
const CODECS: Record<string, string> = {
  attributes_string: 'CODEC(ZSTD(6))',
  resource_attributes_string: 'CODEC(ZSTD(6))',
  attributes_int: 'CODEC(ZSTD(6))',
  duration_ns: 'CODEC(T64, ZSTD(1))',
  span_id: 'CODEC(ZSTD(1))',
};

let ch: TestClickHouse;
let upTo010: string;
beforeAll(async () => {
  // A database at migration 010: open it with a folder holding 001-010 only.
  upTo010 = mkdtempSync(join(tmpdir(), 'tailstream-migrations-'));
  for (const f of readdirSync(MIGRATIONS).filter((n) => Number(n.slice(0, 3)) <= 10)) cpSync(join(MIGRATIONS, f), join(upTo010, f));
  ch = await openTestClickHouse({ database: 'old', dir: upTo010, spansTtlDays: 0, errorTtlDays: 0 });
});
afterAll(async () => {
  await ch?.close();
  rmSync(upTo010, { recursive: true, force: true });
});

const codecs = async (database: string): Promise<Record<string, string>> => {
  const rows = await ch.rows<{ name: string; compression_codec: string }>(
    'SELECT name, compression_codec FROM system.columns WHERE database = {db:String} AND table = {t:String} AND name IN {names:Array(String)}',
    { db: database, t: 'spans', names: Object.keys(CODECS) },
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.compression_codec]));
};

describe('migration 011: spans codecs', () => {
  it('changes the codecs of an existing database and keeps its rows intact', async () => {
    const before = await codecs('old');
    expect(before['attributes_string']).toBe('CODEC(ZSTD(1))');
    const span = richSpan(BigInt(Date.now() - 60_000) * 1_000_000n);
    const traceId = hexId(0x11, 32);
    const written = { ...span, traceId };
    await new ClickHouseWriter({ client: ch.client }).insert('spans', traceRows([written], { policy: 'p', sampleRate: 1, late: false }), 'codecs-1');

    const report = await migrate(ch.client, { database: 'old', spansTtlDays: 0, errorTtlDays: 0 });
    expect(report.applied).toEqual((await loadMigrations()).map((m) => m.version).filter((v) => v >= 11));
    expect(await codecs('old')).toEqual(CODECS);
    const read = async () => (await ch.rows<SpanRow>(loadQuery('trace_spans_by_id'), { trace_id: traceId })).map((r) => normalizeSpan(rowToSpan(r)));
    expect(await read()).toEqual([normalizeSpan(written)]);
    await ch.client.command({ query: 'OPTIMIZE TABLE spans FINAL' });
    expect(await read()).toEqual([normalizeSpan(written)]);
  });

  it('gives a fresh database the same codecs', async () => {
    await migrate(ch.client, { database: 'fresh' });
    expect(await codecs('fresh')).toEqual(CODECS);
    expect((await loadMigrations()).map((m) => m.version)).toContain(11);
  });
});
