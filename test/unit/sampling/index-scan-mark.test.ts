import { describe, expect, it } from 'vitest';
import { deadlineKey, dueBefore, INDEX_START, IndexScanMark } from '../../../src/sampling/assembly/keys.ts';

describe('IndexScanMark', () => {
  it('moves up past taken entries and down for an entry put below it', () => {
    const m = new IndexScanMark();
    expect(m.from).toBe(INDEX_START);
    m.advance(dueBefore(5_000));
    expect(deadlineKey(4_999, 'a') < m.from && m.from <= deadlineKey(5_001, 'a')).toBe(true);
    m.advance(dueBefore(1_000)); // never backwards on a scan
    expect(m.from).toBe(dueBefore(5_000));
    m.put(deadlineKey(9_000, 'b')); // above: no change
    expect(m.from).toBe(dueBefore(5_000));
    m.put(deadlineKey(2_000, 'c')); // below: the next scan must see it
    expect(m.from).toBe(deadlineKey(2_000, 'c'));
    m.reset();
    expect(m.from).toBe(INDEX_START);
  });
});
