import { describe, expect, it } from 'vitest';
import { ClickHouseSinkError } from '../../../src/clickhouse/errors.ts';
import { ClickHouseWriter, type InsertClient } from '../../../src/sink/writer.ts';
import { createLogger } from '../../../src/util/log.ts';

/** A client whose insert fails with the queued errors, then succeeds; records every call. */
function fakeClient(failures: unknown[]): { client: InsertClient; calls: { table: string; values: unknown }[] } {
  const calls: { table: string; values: unknown }[] = [];
  const client = {
    insert: async (p: { table: string; values: unknown }) => {
      calls.push({ table: p.table, values: p.values });
      const f = failures.shift();
      if (f !== undefined) throw f;
      return { executed: true, query_id: 'q', summary: undefined, response_headers: {} };
    },
  } as unknown as InsertClient;
  return { client, calls };
}

const netError = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
const chError = (code: string, message: string): Error => Object.assign(new Error(message), { code, type: 'X' });
const quiet = createLogger('test', 'error', () => {});

function writer(client: InsertClient, sleeps: number[], maxRetries = 3): ClickHouseWriter {
  return new ClickHouseWriter({ client, maxRetries, baseDelayMs: 100, maxDelayMs: 300, sleep: async (ms) => void sleeps.push(ms), random: () => 1, log: quiet });
}

describe('ClickHouseWriter', () => {
  it('puts the dedup token and MV dedup in the INSERT itself', async () => {
    const { client, calls } = fakeClient([]);
    await writer(client, []).insert('tailstream.spans', [{ a: 1, 'events.time': ['t'] }], "p0:1-9'x");
    expect(calls[0]?.table).toBe("tailstream.spans (`a`, `events.time`) SETTINGS insert_deduplicate = 1, deduplicate_blocks_in_dependent_materialized_views = 1, insert_deduplication_token = 'p0:1-9\\'x'");
  });

  it('sends rows positionally under one column list, and refuses rows of another shape', async () => {
    const { client, calls } = fakeClient([]);
    await writer(client, []).insert('edges', [{ a: 1, b: 'x' }, { b: 'y', a: 2 }], 't');
    expect(calls[0]?.values).toEqual([[1, 'x'], [2, 'y']]);
    await expect(writer(client, []).insert('edges', [{ a: 1, b: 'x' }, { a: 2 }], 't')).rejects.toThrow(/row 1 for edges has columns a, expected a,b/);
    await expect(writer(client, []).insert('edges', [{ a: 1, b: 'x' }, { a: 2, c: 3 }], 't')).rejects.toThrow(/row 1 for edges lacks column b/);
    expect(calls).toHaveLength(1);
  });

  it('retries unreachable ClickHouse with capped exponential backoff and counts it', async () => {
    const sleeps: number[] = [];
    const { client, calls } = fakeClient([netError(), netError(), chError('252', 'Too many parts')]);
    const w = writer(client, sleeps);
    await w.insert('spans', [{ a: 1 }, { a: 2 }], 't1');
    expect(calls).toHaveLength(4);
    expect(sleeps).toEqual([100, 200, 300]);
    expect(w.metrics).toMatchObject({ inserts: 1, rows: 2, retries: 3, failures: 0, lastError: { code: 'REJECTED', clickhouseCode: '252' } });
  });

  it('gives up after maxRetries with a retriable RETRIES_EXHAUSTED error', async () => {
    const { client, calls } = fakeClient([netError(), netError(), netError()]);
    const w = writer(client, [], 2);
    const err = await w.insert('spans', [{ a: 1 }], 't').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClickHouseSinkError);
    expect(err).toMatchObject({ code: 'RETRIES_EXHAUSTED', retriable: true });
    expect(calls).toHaveLength(3);
    expect(w.metrics).toMatchObject({ inserts: 0, failures: 1, retries: 2, lastError: { code: 'UNREACHABLE' } });
  });

  it('does not retry a rejected batch (bad data would fail forever)', async () => {
    const { client, calls } = fakeClient([chError('27', 'Cannot parse input')]);
    const w = writer(client, []);
    await expect(w.insert('spans', [{ a: 1 }], 't')).rejects.toMatchObject({ code: 'REJECTED', retriable: false, clickhouseCode: '27' });
    expect(calls).toHaveLength(1);
  });

  it('validates arguments and skips empty batches without a round trip', async () => {
    const { client, calls } = fakeClient([]);
    const w = writer(client, []);
    await expect(w.insert('spans; DROP TABLE x', [{}], 't')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(w.insert('spans', [{}], '')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await w.insert('spans', [], 't');
    expect(calls).toHaveLength(0);
  });

  it('jitters the delay between half and all of the exponential step', () => {
    const w = new ClickHouseWriter({ client: fakeClient([]).client, baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0, log: quiet });
    expect([0, 1, 2, 10].map((a) => w.backoffMs(a))).toEqual([50, 100, 200, 5000]);
  });
});
