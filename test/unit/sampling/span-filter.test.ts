import { describe, expect, it } from 'vitest';
import { emptySpanFilter, saturatedSpanFilter, SpanFilter, spanFilterFromHex } from '../../../src/sampling/assembly/span-filter.ts';

const key = (t: number, s: number) => `${t.toString(16).padStart(32, '0')}|${s.toString(16).padStart(16, '0')}|2`;

/** key(7, 0) to key(7, 4) added to an empty filter, as the hex form earlier versions stored. */
const HEX_OF_FIVE_KEYS = '00000c0000010000000000000020028140009001004000080000001000800000';

describe('SpanFilter', () => {
  it('never forgets a key it holds, in a copy of its bytes', () => {
    const bits = emptySpanFilter();
    const f = new SpanFilter(bits);
    const keys = Array.from({ length: 200 }, (_, i) => key(7, i));
    for (const k of keys.slice(0, 100)) f.add(k);
    const again = new SpanFilter(new Uint8Array(bits));
    for (const k of keys.slice(0, 100)) expect(again.mayContain(k)).toBe(true);
  });

  it('holds nothing when empty and everything when saturated (summaries that predate filters)', () => {
    expect(new SpanFilter(emptySpanFilter()).mayContain(key(1, 1))).toBe(false);
    expect(new SpanFilter(saturatedSpanFilter()).mayContain(key(1, 1))).toBe(true);
  });

  it('gives each empty filter its own bytes', () => {
    const a = emptySpanFilter();
    new SpanFilter(a).add(key(1, 1));
    expect(new SpanFilter(emptySpanFilter()).mayContain(key(1, 1))).toBe(false);
  });

  it('reads the hex form earlier versions stored as the same bits', () => {
    const built = emptySpanFilter();
    const f = new SpanFilter(built);
    for (let s = 0; s < 5; s++) f.add(key(7, s));
    const read = spanFilterFromHex(HEX_OF_FIVE_KEYS);
    expect(read).toEqual(built);
    for (let s = 0; s < 5; s++) expect(new SpanFilter(read as Uint8Array).mayContain(key(7, s))).toBe(true);
    expect(spanFilterFromHex('f'.repeat(64))).toEqual(saturatedSpanFilter());
  });

  it.each(['', '0'.repeat(63), '0'.repeat(65), `${'0'.repeat(63)}g`])('does not read %j as a hex filter', (hex) => {
    expect(spanFilterFromHex(hex)).toBeUndefined();
  });

  it('refuses bytes that are not 256 bits', () => {
    expect(() => new SpanFilter(new Uint8Array(31))).toThrow(/31 bytes, expected 32/);
  });

  it('has few false positives at a typical trace size (23 spans)', () => {
    let falsePositives = 0;
    let probes = 0;
    for (let t = 0; t < 200; t++) {
      const f = new SpanFilter(emptySpanFilter());
      for (let s = 0; s < 23; s++) f.add(key(t, s));
      for (let s = 1000; s < 1100; s++, probes++) if (f.mayContain(key(t, s))) falsePositives++;
    }
    expect(falsePositives / probes).toBeLessThan(0.03);
  });
});
