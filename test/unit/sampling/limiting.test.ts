import { describe, expect, it } from 'vitest';
import { bytesLimiting, rateLimiting, TokenBucket } from '../../../src/sampling/policies/limiting.ts';
import { trace } from './fixtures.ts';

const withSpans = (n: number) => trace([{}], { spanCount: n });

describe('TokenBucket', () => {
  it('starts full, refills continuously on the caller clock, caps at capacity', () => {
    const b = new TokenBucket(10, 10);
    expect(b.take(10, 0)).toBe(true);
    expect(b.take(1, 0)).toBe(false);
    expect(b.take(5, 500)).toBe(true); // 0.5 s refilled 5
    expect(b.take(1, 500)).toBe(false);
    expect(b.take(10, 60_000)).toBe(true); // a long pause refills only to capacity
    expect(b.take(1, 60_000)).toBe(false);
  });
  it('refills nothing when the clock steps back', () => {
    const b = new TokenBucket(4, 4);
    expect(b.take(4, 1000)).toBe(true);
    expect(b.take(1, 0)).toBe(false);
    expect(b.take(1, 1000)).toBe(false);
    expect(b.take(1, 1250)).toBe(true);
  });
});

describe('rate_limiting', () => {
  it('keeps spans up to spans_per_second, then refuses until time passes', () => {
    const p = rateLimiting('rl', { spans_per_second: 100 });
    const outcomes = [60, 30, 20, 10].map((n) => p.evaluate(withSpans(n), 1000).outcome);
    expect(outcomes).toEqual(['sampled', 'sampled', 'not_sampled', 'sampled']);
    expect(p.evaluate(withSpans(100), 1500).outcome).toBe('not_sampled'); // only 50 refilled
    expect(p.evaluate(withSpans(100), 2000).outcome).toBe('sampled');
  });
  it('holds a long-run rate of spans_per_second under overload', () => {
    const p = rateLimiting('rl', { spans_per_second: 50 });
    let kept = 0;
    for (let t = 0; t < 60_000; t += 10) if (p.evaluate(withSpans(5), t).outcome === 'sampled') kept += 5;
    expect(kept / 60).toBeGreaterThan(49);
    expect(kept / 60).toBeLessThan(52);
  });
});

describe('bytes_limiting', () => {
  it('allows a burst up to burst_capacity, then bytes_per_second', () => {
    const p = bytesLimiting('bl', { bytes_per_second: 1000, burst_capacity: 3000 });
    const t = (bytes: number) => trace([{}], { byteSize: bytes });
    expect(p.evaluate(t(2500), 0).outcome).toBe('sampled');
    expect(p.evaluate(t(600), 0).outcome).toBe('not_sampled');
    expect(p.evaluate(t(500), 0).outcome).toBe('sampled');
    expect(p.evaluate(t(1000), 1000).outcome).toBe('sampled');
    expect(p.evaluate(t(1), 1000).outcome).toBe('not_sampled');
  });
});
