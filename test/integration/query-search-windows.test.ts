import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusCode, type Span } from '../../src/model/span.ts';
import { TraceReader } from '../../src/query/reader.ts';
import { searchSql } from '../../src/query/search-sql.ts';
import { SPAN_RANGE_SQL, windowedTraceIds } from '../../src/query/search-windows.ts';
import type { TraceQuery } from '../../src/query/trace-query.ts';
import { ClickHouseWriter } from '../../src/sink/writer.ts';
import { hexId, makeSpan, openTestClickHouse, str, type TestClickHouse } from '../fixtures/clickhouse.ts';
import { writeKeptSpans } from '../fixtures/trace-records.ts';

/**
 * Searches with a service run in time windows reaching back from the service's newest span
 * (src/query/search-windows.ts). They must find the very ids, in the very order, the one
 * statement over the whole range finds: over three days of spans in several parts, traces
 * whose matching spans fall in more than one window, rare and absent tags, small limits.
 */
let ch: TestClickHouse;
let reader: TraceReader;
const MIN_NS = 60_000_000_000n;
const newest = BigInt(Date.now()) * 1_000_000n;

beforeAll(async () => {
  ch = await openTestClickHouse({ spansTtlDays: 0, errorTtlDays: 0 });
  reader = new TraceReader(ch.client, { traceSource: 'spans' });
  const writer = new ClickHouseWriter({ client: ch.client });
  // 600 traces, one every ~7 minutes back over three days; each has spans a few minutes
  // apart, so one trace's matching spans can sit in two windows. Every 37th trace has the
  // rare tag on its last span, every 5th its error on the first.
  for (let part = 0; part < 4; part++) {
    const spans: Span[] = [];
    for (let t = part; t < 600; t += 4) {
      const traceId = hexId(0x5000 + t, 32);
      const start = newest - BigInt(t) * 7n * MIN_NS;
      for (let i = 0; i < 4; i++) {
        const s = start - BigInt(i) * 3n * MIN_NS;
        spans.push(makeSpan({
          traceId, spanId: hexId(t * 8 + i + 1, 16), service: i === 3 ? 'db' : 'shop', name: `op-${i}`,
          startTimeUnixNano: s, endTimeUnixNano: s + BigInt(1 + ((t * 13 + i) % 40)) * 50_000_000n,
          status: { code: i === 0 && t % 5 === 0 ? StatusCode.ERROR : StatusCode.UNSET, message: '' },
          attributes: [str('rare', t % 37 === 0 && i === 2 ? 'yes' : 'no')],
        }));
      }
    }
    await writeKeptSpans(writer, spans, { policy: 'p', sampleRate: 1, late: false }, `windows-${part}`);
  }
});
afterAll(async () => ch?.close());

const single = async (q: TraceQuery): Promise<string[]> => {
  const { sql, params } = searchSql(q);
  return (await ch.rows<{ trace_id: string }>(sql, params)).map((r) => r.trace_id);
};

/** The windowed search itself, for every query (the reader uses it for searches with a tag). */
const windowed = async (q: TraceQuery): Promise<string[]> => {
  const [r] = await ch.rows<{ newest_ns: string; oldest_ns: string }>(SPAN_RANGE_SQL, { service: q.service, startNs: q.startNs.toString(), endNs: q.endNs.toString() });
  const range = r?.newest_ns ? { newestNs: BigInt(r.newest_ns), oldestNs: BigInt(r.oldest_ns) } : undefined;
  let statements = 0;
  const ids = await windowedTraceIds(q, async (sql, params) => {
    statements++;
    return ch.rows<{ trace_id: string }>(sql, params);
  }, range);
  windows.push(statements);
  return ids;
};
const windows: number[] = [];

const base = { tags: [], startNs: newest - 4n * 24n * 60n * MIN_NS, endNs: newest + MIN_NS, limit: 20 };

describe('windowed trace search', () => {
  it.each<[string, Partial<TraceQuery>]>([
    ['service only', { service: 'shop' }],
    ['service only, limit 1', { service: 'shop', limit: 1 }],
    ['service only, limit 500 (past the data)', { service: 'shop', limit: 500 }],
    ['a rare tag', { service: 'shop', tags: [{ key: 'rare', value: 'yes' }] }],
    ['a tag nothing has', { service: 'shop', tags: [{ key: 'rare', value: 'never' }] }],
    ['errors', { service: 'shop', tags: [{ key: 'error', value: 'true' }], limit: 50 }],
    ['a duration floor', { service: 'shop', minDurationNs: 1_500_000_000n }],
    ['an operation and a range ending in the past', { service: 'shop', operation: 'op-1', endNs: newest - 20n * 60n * MIN_NS }],
    ['a range starting inside the data', { service: 'shop', startNs: newest - 2n * 60n * MIN_NS, limit: 100 }],
    ['another service', { service: 'db', limit: 30 }],
    ['a service without spans', { service: 'nobody' }],
  ])('%s: the ids and order of the single statement', async (_name, over) => {
    const q: TraceQuery = { ...base, ...over };
    const expected = await single(q);
    expect(await windowed(q)).toEqual(expected);
    expect(await reader.findTraceIds(q)).toEqual(expected);
    if (over.service !== 'nobody' && !(over.tags?.[0]?.value === 'never')) expect(expected.length).toBeGreaterThan(0);
  });

  it('reached back over several windows for the searches above', () => {
    expect(Math.max(...windows)).toBeGreaterThanOrEqual(5);
  });
});
