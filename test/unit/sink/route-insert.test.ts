import { describe, expect, it } from 'vitest';
import type { SampledTrace } from '../../../src/model/sampled-trace.ts';
import { StatusCode } from '../../../src/model/span.ts';
import { insertRouteBatch } from '../../../src/sink/route-insert.ts';
import { keptTracesRoute, spanRowParts, spanRows, SPLIT_SPAN_ROWS, type SinkRoute } from '../../../src/sink/sink-routes.ts';
import { ClickHouseWriter, type InsertClient } from '../../../src/sink/writer.ts';
import { createLogger } from '../../../src/util/log.ts';
import { hexId, makeSpan } from '../../fixtures/clickhouse.ts';

const quiet = createLogger('test', 'error', () => {});
const decision = { policy: 'p', sampleRate: 1, reason: 'r', late: false, decidedAtMs: 0 };

/** Records of `n` traces with `spans` spans each; trace 0 has an ERROR span in its first record only, and a second record at the end. */
function batch(n: number, spans: number): SampledTrace[] {
  const record = (t: number, from: number, count: number, error: boolean): SampledTrace => ({
    traceId: hexId(t + 1, 32),
    decision,
    spans: Array.from({ length: count }, (_, i) => makeSpan({ traceId: hexId(t + 1, 32), spanId: hexId((t + 1) * 1000 + from + i, 16), status: { code: error && i === 0 ? StatusCode.ERROR : StatusCode.OK, message: '' } })),
  });
  return [...Array.from({ length: n }, (_, t) => record(t, 0, spans, t === 0)), record(0, spans, 2, false)];
}

/** A writer over a client that records each insert's table and token; `fail` rejects inserts whose table matches. */
function recording(fail?: RegExp): { writer: ClickHouseWriter; calls: string[]; landed: string[] } {
  const calls: string[] = [];
  const landed: string[] = [];
  const client = {
    insert: async (p: { table: string; values: unknown[] }) => {
      const call = `${p.table.split(' ')[0]} ${/insert_deduplication_token = '([^']*)'/.exec(p.table)?.[1]} ${p.values.length}`;
      calls.push(call);
      await new Promise((r) => setTimeout(r, 5));
      if (fail?.test(call)) throw Object.assign(new Error('Code: 36. bad'), { code: '36', type: 'BAD_ARGUMENTS' });
      landed.push(call);
      return { executed: true, query_id: 'q', summary: undefined, response_headers: {} };
    },
  } as unknown as InsertClient;
  return { writer: new ClickHouseWriter({ client, maxRetries: 0, log: quiet }), calls, landed };
}

describe('a batch of kept traces in two inserts', () => {
  it('maps the same rows in two halves as in one, the error flag decided over the whole batch', () => {
    const records = batch(50, 100);
    const parts = spanRowParts(records);
    expect(parts).toHaveLength(2);
    const rows = parts.flatMap((p) => p());
    expect(rows).toEqual(spanRows(records));
    // trace 0's late record sits in the second half; its error span in the first
    expect(rows.filter((r) => r.trace_id === hexId(1, 32)).every((r) => r.trace_error)).toBe(true);
    expect(rows.filter((r) => r.trace_id === hexId(2, 32)).some((r) => r.trace_error)).toBe(false);
  });

  it('keeps a batch below the threshold, or of one record, in one insert', () => {
    expect(spanRowParts(batch(3, 100))).toHaveLength(1);
    expect(spanRowParts([{ traceId: 'a', decision, spans: Array.from({ length: SPLIT_SPAN_ROWS }, (_, i) => makeSpan({ spanId: hexId(i + 1, 16) })) }])).toHaveLength(1);
  });

  it('starts trace_blobs first, then the halves with their own tokens, and reports the rows of both', async () => {
    const { writer, calls } = recording();
    const records = batch(50, 100);
    const written = await insertRouteBatch(writer, keptTracesRoute('sampled-spans'), records, 'p0:1-51');
    expect(calls).toEqual(['trace_blobs p0:1-51|trace_blobs 51', 'spans p0:1-51 2600', 'spans p0:1-51|part2 2402']);
    expect(written).toEqual([{ table: 'spans', token: 'p0:1-51', rows: 5002 }, { table: 'trace_blobs', token: 'p0:1-51|trace_blobs', rows: 51 }]);
  });

  it('rejects when one half fails, only after every insert settled', async () => {
    const { writer, landed } = recording(/part2/);
    await expect(insertRouteBatch(writer, keptTracesRoute('sampled-spans'), batch(50, 100), 't')).rejects.toThrow(/bad/);
    expect(landed.sort()).toEqual(['spans t 2600', 'trace_blobs t|trace_blobs 51']);
  });

  it('rejects a mapping error of a later part after the inserts already started settled', async () => {
    const { writer, landed } = recording();
    const route: SinkRoute = { ...keptTracesRoute('sampled-spans'), parts: () => [() => [{ a: 1 }], () => { throw new Error('unmappable record'); }] };
    await expect(insertRouteBatch(writer, route, [], 't')).rejects.toThrow(/unmappable record/);
    expect(landed).toEqual(['spans t 1']);
  });
});
