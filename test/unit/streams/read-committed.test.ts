import { describe, expect, it } from 'vitest';
import { committedRecords, type FetchedRecord } from '../../../src/streams/read-committed.ts';

/** A batch of one producer's records from `first` on (transactional unless said otherwise). */
function batch(first: number, count: number, producerId: string, opts: { inTransaction?: boolean } = {}): FetchedRecord[] {
  const ctx = { firstOffset: String(first), lastOffsetDelta: count - 1, producerId, inTransaction: opts.inTransaction ?? true, isControlBatch: false };
  return Array.from({ length: count }, (_, i) => ({ offset: String(first + i), key: Buffer.from(`${producerId}-${first + i}`), batchContext: ctx }));
}

function marker(offset: number, producerId: string, type: 'commit' | 'abort'): FetchedRecord {
  return {
    offset: String(offset),
    key: Buffer.from([0, 0, 0, type === 'abort' ? 0 : 1]),
    batchContext: { firstOffset: String(offset), lastOffsetDelta: 0, producerId, inTransaction: true, isControlBatch: true },
  };
}

const dataOffsets = (rs: FetchedRecord[]) => rs.filter((r) => r.batchContext.isControlBatch !== true).map((r) => Number(r.offset));

describe('committedRecords (read_committed filtering)', () => {
  it('drops both producers\' aborted records when the fetch starts inside two aborted transactions', () => {
    // Offsets 0 and 1 (before the fetch) opened the transactions; kafkajs let offset 2 through.
    const records = [...batch(2, 1, 'B'), ...batch(3, 1, 'A'), marker(4, 'A', 'abort'), marker(5, 'B', 'abort'), ...batch(6, 2, 'A')];
    const aborted = [
      { producerId: 'A', firstOffset: '0' },
      { producerId: 'B', firstOffset: '1' },
    ];
    expect(dataOffsets(committedRecords(records, aborted))).toEqual([6, 7]);
  });

  it('does not depend on the order the broker lists the aborted transactions in', () => {
    const records = [...batch(10, 2, 'A'), ...batch(12, 2, 'B'), ...batch(14, 2, 'C'), marker(16, 'B', 'abort'), marker(17, 'A', 'abort'), marker(18, 'C', 'commit')];
    const aborted = [
      { producerId: 'B', firstOffset: '12' },
      { producerId: 'A', firstOffset: '10' },
    ];
    expect(dataOffsets(committedRecords(records, aborted))).toEqual([14, 15]);
  });

  it('keeps a producer\'s committed transactions around its aborted one', () => {
    const records = [...batch(1, 1, 'A'), marker(2, 'A', 'commit'), ...batch(3, 1, 'A'), marker(4, 'A', 'abort'), ...batch(5, 1, 'A'), marker(6, 'A', 'commit')];
    expect(dataOffsets(committedRecords(records, [{ producerId: 'A', firstOffset: '3' }]))).toEqual([1, 5]);
  });

  it('takes an aborted transaction from the batch that holds its first offset, even past the fetch start', () => {
    // The fetch starts at 21, inside A's batch 20..22 whose transaction was aborted.
    const records = batch(20, 3, 'A').slice(1);
    expect(dataOffsets(committedRecords([...records, marker(23, 'A', 'abort')], [{ producerId: 'A', firstOffset: '20' }]))).toEqual([]);
  });

  it('keeps records written outside transactions and control records, and returns all without aborted transactions', () => {
    const records = [...batch(0, 2, 'P', { inTransaction: false }), ...batch(2, 1, 'A'), marker(3, 'A', 'abort')];
    const kept = committedRecords(records, [{ producerId: 'A', firstOffset: '2' }]);
    expect(kept.map((r) => Number(r.offset))).toEqual([0, 1, 3]);
    expect(committedRecords(records, [])).toEqual(records);
  });
});
