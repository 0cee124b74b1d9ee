import { describe, expect, it } from 'vitest';
import { batchToken, type BatchIntent } from '../../src/sink/batch-log.ts';
import { TableBatcher } from '../../src/sink/batcher.ts';
import { spanRows } from '../../src/sink/sink-routes.ts';
import { sampled, traceSpans } from '../fixtures/sink.ts';

const intent = (from: bigint, to: bigint): BatchIntent => ({ table: 't', topic: 'x', partition: 3, fromOffset: from, toOffset: to, token: batchToken('t', 'x', 3, from, to), rows: 1 });
const add = (b: TableBatcher<number>, ...offsets: number[]) => offsets.map((o) => b.add(BigInt(o), [o], 1));
const summary = (b: TableBatcher<number>) => {
  const { replays, fresh } = b.take();
  return { replays: replays.map((r) => [r.token, r.items]), fresh: fresh && [fresh.token, fresh.items] };
};

describe('TableBatcher: batch boundaries', () => {
  it('a batch is what arrived since the last take, named by table, topic, partition and offset range', () => {
    const b = new TableBatcher<number>('t', 'x', 3);
    add(b, 10, 11, 13);
    expect(b.rows()).toBe(3);
    expect(summary(b)).toEqual({ replays: [], fresh: ['t:x:3:10-13', [10, 11, 13]] });
    expect(b.take()).toEqual({ replays: [], fresh: undefined });
  });

  it('records without rows extend the range but an all-empty range is no batch', () => {
    const b = new TableBatcher<number>('t', 'x', 0);
    b.add(5n, [], 0);
    expect(b.take().fresh).toBeUndefined();
    b.add(6n, [], 0);
    b.add(7n, [7], 1);
    expect(b.take().fresh?.token).toBe('t:x:0:6-7');
  });

  it.each([
    { name: 'replay starts at the intent', intent: [10n, 12n], offsets: [10, 11, 12, 13, 14], replays: [['t:x:3:10-12', [10, 11, 12]]], fresh: ['t:x:3:13-14', [13, 14]] },
    { name: 'replay starts inside the intent (head compacted away)', intent: [10n, 12n], offsets: [11, 12, 13], replays: [['t:x:3:10-12', [11, 12]]], fresh: ['t:x:3:13-13', [13]] },
    { name: 'the intent\'s last record is gone: cut before the first record past it', intent: [10n, 12n], offsets: [10, 11, 14], replays: [['t:x:3:10-12', [10, 11]]], fresh: ['t:x:3:14-14', [14]] },
    { name: 'an intent the replay starts after was committed: ignored', intent: [10n, 12n], offsets: [13, 14], replays: [], fresh: ['t:x:3:13-14', [13, 14]] },
    { name: 'an intent ahead of the replay (offsets reset): ignored', intent: [10n, 12n], offsets: [4, 5], replays: [], fresh: ['t:x:3:4-5', [4, 5]] },
  ])('$name', (c) => {
    const b = new TableBatcher<number>('t', 'x', 3, intent(c.intent[0] as bigint, c.intent[1] as bigint));
    add(b, ...c.offsets);
    expect(b.cutting()).toBe(false);
    expect(summary(b)).toEqual({ replays: c.replays, fresh: c.fresh });
  });

  it('refuses to hand out a replayed batch before its last offset arrived', () => {
    const b = new TableBatcher<number>('t', 'x', 3, intent(10n, 12n));
    expect(add(b, 10, 11)).toEqual(['replay-started', 'buffered']);
    expect(b.cutting()).toBe(true);
    expect(() => b.take()).toThrow(/incomplete/);
    expect(add(b, 12)).toEqual(['replay-sealed']);
    expect(summary(b).replays).toEqual([['t:x:3:10-12', [10, 11, 12]]]);
  });
});

describe('spanRows: trace error flag for retention', () => {
  it('marks every span of a trace with an ERROR span anywhere in the batch, and only those', () => {
    const errorTrace = traceSpans(1, 2, true);
    const okTrace = traceSpans(2, 2, false);
    // trace 1 arrives as two records: the error span is only in the second one
    const rows = spanRows([sampled(errorTrace.slice(0, 1)), sampled(okTrace), sampled(errorTrace.slice(1))]);
    expect(rows.map((r) => [r.trace_id.slice(-1), r.has_error, r.trace_error])).toEqual([
      ['1', false, true],
      ['2', false, false], ['2', false, false], ['2', false, false],
      ['1', true, true], ['1', false, true],
    ]);
  });

  it('carries the decision of each record (late spans keep late = true)', () => {
    const rows = spanRows([sampled(traceSpans(3, 0), true)]);
    expect(rows).toMatchObject([{ policy: 'keep-all', sample_rate: 0.5, late: true }]);
  });
});
