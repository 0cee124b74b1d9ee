import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, type Span } from '../../src/model/span.ts';
import { traceRows } from '../../src/clickhouse/rows.ts';
import { ClickHouseWriter } from '../../src/sink/writer.ts';
import { hexId, makeSpan, openTestClickHouse, str, type TestClickHouse } from '../fixtures/clickhouse.ts';

/**
 * The spans table's replacing merge collapses replayed copies of a span, and only those:
 * two spans that share a span id (and service, start and trace) but differ in any field —
 * a buggy client's reuse — are both kept, through inserts and merges.
 */
let ch: TestClickHouse;
beforeAll(async () => {
  ch = await openTestClickHouse({ spansTtlDays: 0, errorTtlDays: 0 });
});
afterAll(async () => {
  await ch?.close();
});

const decision = { policy: 'always', sampleRate: 1, late: false };
const rows = async (traceId: string): Promise<{ kind: string; name: string; a: string }[]> =>
  ch.rows(`SELECT toString(kind) AS kind, name, attributes_string['a'] AS a FROM spans FINAL WHERE trace_id = {t:String} ORDER BY kind, name, a`, { t: traceId });

describe('span identity in storage', () => {
  it.each([
    ['kind', 0x10, { kind: SpanKind.CLIENT }],
    ['name', 0x20, { name: 'other' }],
    ['an attribute', 0x30, { attributes: [str('a', 'two')] }],
  ] as const)('spans differing only in %s survive the merge, in one insert or two', async (_what, id, change) => {
    for (const [n, split] of [[1, false], [2, true]] as const) {
      const traceId = hexId(0x700 + id + n, 32);
      const base = makeSpan({ traceId, spanId: hexId(0x51, 16), kind: SpanKind.SERVER, name: 'GET /cart', attributes: [str('a', 'one')] });
      const twin: Span = { ...base, ...change };
      const writer = new ClickHouseWriter({ client: ch.client });
      if (split) {
        await writer.insert('spans', traceRows([base], decision), `${traceId}|1`);
        await writer.insert('spans', traceRows([twin], decision), `${traceId}|2`);
      } else {
        await writer.insert('spans', traceRows([base, twin], decision), `${traceId}|1`);
      }
      await ch.client.command({ query: 'OPTIMIZE TABLE spans FINAL' });
      expect(await rows(traceId)).toHaveLength(2);
    }
  });

  it('byte-identical replays still collapse to one row', async () => {
    const traceId = hexId(0x7ff, 32);
    const span = makeSpan({ traceId, spanId: hexId(0x52, 16) });
    const writer = new ClickHouseWriter({ client: ch.client });
    for (const token of ['a', 'b', 'c']) await writer.insert('spans', traceRows([span], decision), `${traceId}|${token}`);
    await ch.client.command({ query: 'OPTIMIZE TABLE spans FINAL' });
    const [count] = await ch.rows<{ n: string }>('SELECT count() AS n FROM spans WHERE trace_id = {t:String}', { t: traceId });
    expect(count?.n).toBe('1');
  });
});
