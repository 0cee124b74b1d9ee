import { describe, expect, it } from 'vitest';
import { EMPTY_SPAN_FILTER, SpanFilter } from '../../../src/sampling/assembly/span-filter.ts';

const key = (t: number, s: number) => `${t.toString(16).padStart(32, '0')}|${s.toString(16).padStart(16, '0')}|2`;

describe('SpanFilter', () => {
  it('never forgets a key it holds, across encode and decode', () => {
    const f = new SpanFilter(EMPTY_SPAN_FILTER);
    const keys = Array.from({ length: 200 }, (_, i) => key(7, i));
    for (const k of keys.slice(0, 100)) f.add(k);
    const again = new SpanFilter(f.encode());
    expect(f.encode()).toMatch(/^[0-9a-f]{64}$/);
    for (const k of keys.slice(0, 100)) expect(again.mayContain(k)).toBe(true);
  });

  it('holds nothing when empty and everything when the metadata predates filters', () => {
    expect(new SpanFilter(EMPTY_SPAN_FILTER).mayContain(key(1, 1))).toBe(false);
    expect(new SpanFilter(undefined).mayContain(key(1, 1))).toBe(true);
  });

  it('has few false positives at a typical trace size (23 spans)', () => {
    let falsePositives = 0;
    let probes = 0;
    for (let t = 0; t < 200; t++) {
      const f = new SpanFilter(EMPTY_SPAN_FILTER);
      for (let s = 0; s < 23; s++) f.add(key(t, s));
      for (let s = 1000; s < 1100; s++, probes++) if (f.mayContain(key(t, s))) falsePositives++;
    }
    expect(falsePositives / probes).toBeLessThan(0.03);
  });
});
