import { describe, expect, it } from 'vitest';
import { copyMeta, newMeta } from '../../../src/sampling/assembly/meta.ts';
import { SpanFilter } from '../../../src/sampling/assembly/span-filter.ts';

describe('trace summaries', () => {
  it('give each new trace its own empty filter', () => {
    const a = newMeta(1);
    const b = newMeta(2);
    new SpanFilter(a.spanFilter).add('x|1');
    expect(new SpanFilter(b.spanFilter).mayContain('x|1')).toBe(false);
    expect(new SpanFilter(newMeta(3).spanFilter).mayContain('x|1')).toBe(false);
  });

  it('are copied with a filter of their own, so changes to a copy leave the original as it was', () => {
    const original = newMeta(1);
    const copy = copyMeta(original);
    new SpanFilter(copy.spanFilter).add('x|1');
    copy.spans = 5;
    expect(new SpanFilter(original.spanFilter).mayContain('x|1')).toBe(false);
    expect(original.spans).toBe(0);
    expect(copyMeta(original)).toEqual(original);
  });
});
