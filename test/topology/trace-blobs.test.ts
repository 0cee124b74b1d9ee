import { describe, expect, it } from 'vitest';
import { TraceReader } from '../../src/query/reader.ts';
import { traceRows } from '../../src/clickhouse/rows.ts';
import { ClickHouseWriter } from '../../src/sink/writer.ts';
import { normalizeSpan, richSpan } from '../fixtures/clickhouse.ts';
import { sampled, traceSpans } from '../fixtures/sink.ts';
import { sinkClickHouse } from '../fixtures/sink-driver.ts';
import type { SinkClient } from '../../src/sink/sink-processor.ts';

const db = sinkClickHouse('blobs');
const sink = () => db.driver(db.ch.client);

const count = async (sql: string): Promise<number> => Number((await db.ch.rows<{ n: string }>(sql))[0]?.n);
const blobs = () => new TraceReader(db.ch.client);
const spansOnly = () => new TraceReader(db.ch.client, { traceSource: 'spans' });
const ids = (t: { spans: readonly { span: { spanId: string } }[] } | undefined) => t?.spans.map((s) => s.span.spanId).sort();

describe('trace_blobs: each kept-trace record stored whole beside spans, read by the trace paths', () => {
  it('writes one row per record in the spans batch and reads every field back from it', async () => {
    const h = await sink();
    const spans = [richSpan(1_800_000_000_000_000_000n), ...traceSpans(7, 3)].map((s) => ({ ...s, traceId: traceSpans(7)[0]?.traceId ?? '' }));
    await h.trace(sampled(spans));
    expect(await count('SELECT count() AS n FROM trace_blobs')).toBe(1);
    expect(await count('SELECT sum(span_count) AS n FROM trace_blobs')).toBe(spans.length);
    expect(h.metrics.rowsInserted.get({ table: 'trace_blobs' })).toBe(1);
    await db.ch.client.command({ query: 'TRUNCATE TABLE spans' }); // only trace_blobs can answer now
    const got = await blobs().trace(spans[0]?.traceId ?? '');
    expect(got?.spans.map((s) => normalizeSpan(s.span)).sort((a, b) => a.spanId.localeCompare(b.spanId))).toEqual(spans.map(normalizeSpan).sort((a, b) => a.spanId.localeCompare(b.spanId)));
    expect(got?.spans[0]).toMatchObject({ policy: 'keep-all', sampleRate: 0.5, late: false });
  });

  it('sends the trace_blobs insert first and the spans insert while it is in flight (the span rows are mapped meanwhile)', async () => {
    const events: string[] = [];
    const real = db.ch.client;
    const client: SinkClient = {
      query: (p) => real.query(p),
      insert: async (p) => {
        const table = p.table.split(' ')[0] ?? '';
        if (!table.endsWith('spans') && !table.endsWith('trace_blobs')) return real.insert(p);
        events.push(`start ${table}`);
        const out = await real.insert(p);
        events.push(`end ${table}`);
        return out;
      },
    };
    const h = await db.driver(client);
    await h.trace(sampled(traceSpans(8, 3)));
    expect(events.slice(0, 2)).toEqual(['start trace_blobs', 'start spans']);
    expect(events.slice(2).sort()).toEqual(['end spans', 'end trace_blobs']);
    expect(await count("SELECT count() AS n FROM trace_blobs WHERE trace_id = '" + (traceSpans(8)[0]?.traceId ?? '') + "'")).toBe(1);
  });

  it('returns late spans (a later record of the trace) with it, flagged late, by id and in searches', async () => {
    const h = await sink();
    const [root, a, b] = traceSpans(1, 2);
    await h.trace(sampled([root!, a!]));
    await h.trace(sampled([b!], true));
    const today = await spansOnly().trace(root!.traceId);
    await db.ch.client.command({ query: 'TRUNCATE TABLE spans' }); // only trace_blobs can answer now
    const byId = await blobs().trace(root!.traceId);
    expect(ids(byId)).toEqual([root!.spanId, a!.spanId, b!.spanId].sort());
    expect(ids(byId)).toEqual(ids(today)); // the same answer as today's layout
    expect(byId?.spans.find((s) => s.span.spanId === b!.spanId)?.late).toBe(true);
    const [found] = await blobs().traces([root!.traceId]);
    expect(ids(found)).toEqual(ids(byId));
  });

  it('shows a record delivered twice (a replay into another batch) once', async () => {
    const h = await sink();
    const t = sampled(traceSpans(2, 3));
    await h.trace(t);
    await h.trace(t);
    await db.ch.client.command({ query: 'TRUNCATE TABLE spans' });
    expect(await count('SELECT count() AS n FROM trace_blobs')).toBe(2); // before the replacing merge
    expect((await blobs().trace(t.traceId))?.spans).toHaveLength(4);
  });

  it('falls back to spans for traces without records (written before migration 009)', async () => {
    const h = await sink();
    const withBlob = sampled(traceSpans(3, 1));
    await h.trace(withBlob);
    const old = traceSpans(4, 2);
    await new ClickHouseWriter({ client: db.ch.client }).insert('spans', traceRows(old, { policy: 'old', sampleRate: 1, late: false }), 'old-layout');
    expect(ids(await blobs().trace(old[0]!.traceId))).toEqual(old.map((s) => s.spanId).sort());
    const both = await blobs().traces([old[0]!.traceId, withBlob.traceId, 'ffffffffffffffffffffffffffffffff']);
    expect(both.map((t) => [t.traceId, t.spans.length])).toEqual([[old[0]!.traceId, 3], [withBlob.traceId, 2]]);
    expect(await blobs().trace('ffffffffffffffffffffffffffffffff')).toBeUndefined();
  });
});
