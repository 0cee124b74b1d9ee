import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationVars } from '../../src/clickhouse/migrate.ts';
import { loadQuery } from '../../src/clickhouse/queries.ts';
import { renderTemplate, splitStatements } from '../../src/clickhouse/template.ts';
import type { SampledTrace } from '../../src/model/sampled-trace.ts';
import { TraceReader } from '../../src/query/reader.ts';
import { decodeTraceRecord, isTraceRecord } from '../../src/serde/trace-record.ts';
import { TRACE_BLOBS_TABLE } from '../../src/sink/trace-blobs.ts';
import { ClickHouseWriter } from '../../src/sink/writer.ts';
import { hexId, makeSpan, normalizeSpan, openTestClickHouse, richSpan, type TestClickHouse } from '../fixtures/clickhouse.ts';
import { legacyTraceBlobRows } from '../fixtures/trace-records.ts';
import { insertKeptTraces } from '../../src/sink/sink-routes.ts';

/**
 * Migration 014 on a database that ran 001-013 and holds `trace_blobs` rows in the old
 * record (the sampled-spans value): the sink now writes the trace_blobs record format, the
 * table compresses in larger blocks, and a trace read returns the spans of both kinds of
 * rows, merged (a late record written after the upgrade beside the trace's first record).
 */
const MIGRATIONS = fileURLToPath(new URL('../../sql/migrations/', import.meta.url));
const decision = { policy: 'errors', sampleRate: 1, reason: 'test', late: false, decidedAtMs: 0 };

let ch: TestClickHouse;
let upTo013: string;
beforeAll(async () => {
  upTo013 = mkdtempSync(join(tmpdir(), 'tailstream-migrations-'));
  for (const f of readdirSync(MIGRATIONS).filter((n) => Number(n.slice(0, 3)) <= 13)) cpSync(join(MIGRATIONS, f), join(upTo013, f));
  ch = await openTestClickHouse({ database: 'tailstream', dir: upTo013, spansTtlDays: 0, errorTtlDays: 0 });
});
afterAll(async () => {
  await ch?.close();
  rmSync(upTo013, { recursive: true, force: true });
});

const setting = async (name: string): Promise<string | undefined> => {
  const [t] = await ch.rows<{ q: string }>("SELECT create_table_query AS q FROM system.tables WHERE database = 'tailstream' AND name = 'trace_blobs'");
  return new RegExp(`${name} = (\\d+)`).exec(t?.q ?? '')?.[1];
};

describe('migration 014: trace_blobs records in their own format', () => {
  it('reads a trace from an old record and a new one, before and after the merge', async () => {
    const writer = new ClickHouseWriter({ client: ch.client });
    const start = BigInt(Date.now() - 60_000) * 1_000_000n;
    const root = { ...richSpan(start), parentSpanId: '' };
    const first: SampledTrace = { traceId: root.traceId, spans: [root], decision };
    await writer.insert(TRACE_BLOBS_TABLE, await legacyTraceBlobRows([first]), 'records-old');

    const report = await migrate(ch.client, { database: 'tailstream', spansTtlDays: 0, errorTtlDays: 0 });
    expect(report.applied).toEqual([14]);
    expect(await setting('min_compress_block_size')).toBe('1048576');
    expect(await setting('max_compress_block_size')).toBe('4194304');

    const late = makeSpan({ traceId: root.traceId, spanId: hexId(0x14, 16), parentSpanId: root.spanId, service: 'late-service', startTimeUnixNano: start + 9_000_000_000n, endTimeUnixNano: start + 9_500_000_000n });
    await insertKeptTraces(writer, [{ traceId: root.traceId, spans: [late], decision: { ...decision, late: true } }], 'records-new');
    const stored = await ch.rows<{ record: string }>(loadQuery('trace_by_id'), { trace_id: root.traceId });
    expect(stored.map((r) => isTraceRecord(Buffer.from(r.record, 'base64'))).sort()).toEqual([false, true]);
    const fresh = stored.map((r) => Buffer.from(r.record, 'base64')).find(isTraceRecord);
    expect(fresh && decodeTraceRecord(fresh).spans).toEqual([late]);

    const read = async () => {
      const [t] = await new TraceReader(ch.client).traces([root.traceId]);
      return t?.spans.map((s) => ({ span: normalizeSpan(s.span), late: s.late }));
    };
    const expected = [{ span: normalizeSpan(root), late: false }, { span: normalizeSpan(late), late: true }];
    expect(await read()).toEqual(expected);
    await ch.client.command({ query: 'OPTIMIZE TABLE tailstream.trace_blobs FINAL' });
    expect(await read()).toEqual(expected);
  });

  it('runs again when cut off after its statement and before its record', async () => {
    const text = readFileSync(join(MIGRATIONS, readdirSync(MIGRATIONS).find((n) => n.startsWith('014_')) as string), 'utf8');
    const vars = migrationVars({ database: 'tailstream', spansTtlDays: 0, errorTtlDays: 0 });
    for (const sql of splitStatements(renderTemplate(text, vars))) await ch.client.command({ query: sql });
    await ch.client.command({ query: 'DELETE FROM tailstream.schema_migrations WHERE version = 14' });
    const report = await migrate(ch.client, { database: 'tailstream', spansTtlDays: 0, errorTtlDays: 0 });
    expect(report.applied).toEqual([14]);
    expect(await setting('min_compress_block_size')).toBe('1048576');
  });
});
