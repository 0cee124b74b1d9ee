import { describe, expect, it } from 'vitest';
import { ReadPositions, type FetchedBatch } from '../../../src/streams/read-positions.ts';

/** A batch of `topic` fetched from `fetched` whose last record (a control record, say) is at `last`. */
const batch = (fetched: string, last: string, topic = 't'): FetchedBatch =>
  ({ topic, partition: 0, fetchedOffset: fetched, lastOffset: () => last }) as unknown as FetchedBatch;

describe('ReadPositions', () => {
  it.each([
    { fetched: '5', gap: undefined, why: 'fetched from where the task reads' },
    { fetched: '3', gap: undefined, why: 'fetched from before: the records below are passed over' },
    { fetched: '8', gap: 5n, why: 'fetched from past it: the records in between would be skipped' },
  ])('a batch $why', ({ fetched, gap }) => {
    const r = new ReadPositions([['t', 5n]]);
    expect(r.gapAt(batch(fetched, fetched))).toBe(gap);
  });

  it('passes over records below where it reads, and moves past each record read', () => {
    const r = new ReadPositions([['t', 5n]]);
    expect(r.passed('t', '4')).toBe(true);
    expect(r.passed('t', '5')).toBe(false);
    r.read(batch('3', '9'), '4', false);
    expect(r.get('t')).toBe(5n);
    r.read(batch('3', '9'), '6', false);
    expect(r.get('t')).toBe(7n);
  });

  it("moves past the control records after a batch's last record, as kafkajs resolves them with it", () => {
    const r = new ReadPositions([['t', 5n]]);
    r.read(batch('5', '9'), '7', true);
    expect(r.get('t')).toBe(10n);
  });

  it('moves past a batch of only control records kafkajs resolved, if it starts at or before where it reads', () => {
    const r = new ReadPositions([['t', 5n]]);
    r.passedOver('t', '6', '8');
    expect(r.get('t')).toBe(5n);
    r.passedOver('t', '5', '8');
    expect(r.get('t')).toBe(9n);
    r.passedOver('t', null, '20');
    expect(r.get('t')).toBe(9n);
  });

  it('knows nothing of a topic it was not given', () => {
    const r = new ReadPositions([]);
    expect(r.gapAt(batch('8', '8'))).toBeUndefined();
    expect(r.passed('t', '0')).toBe(false);
  });
});
