import { describe, expect, it } from 'vitest';
import { hashTraceId, keepThreshold } from '../../../src/sampling/policies/trace-id-hash.ts';
import { probabilistic } from '../../../src/sampling/policies/simple.ts';
import { trace, traceIds } from './fixtures.ts';

/** Straightforward BigInt FNV-1a 64, the reference the limb arithmetic must equal. */
function fnv1a64(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}
const hexBytes = (hex: string): number[] => hex.match(/../g)?.map((p) => Number.parseInt(p, 16)) ?? [];

describe('hashTraceId', () => {
  it.each([
    ['', '', 0xcbf29ce484222325n],
    ['a', '', 0xaf63dc4c8601ec8cn],
    ['foobar', '', 0x85944171f73967e8n],
  ])('matches published FNV-1a 64 vectors (%j)', (salt, id, want) => {
    expect(hashTraceId(salt, id)).toBe(want);
  });

  it('equals a BigInt reference over salt bytes + raw trace-id bytes', () => {
    for (const id of traceIds(500, 7)) {
      const bytes = new Uint8Array([...new TextEncoder().encode('default-hash-seed'), ...hexBytes(id)]);
      expect(hashTraceId('default-hash-seed', id)).toBe(fnv1a64(bytes));
    }
  });

  it('maps ratio to a threshold over the full 64-bit range', () => {
    expect(keepThreshold(1)).toBe((1n << 64n) - 1n);
    expect(keepThreshold(0)).toBe(-1n);
    const half = keepThreshold(0.5);
    expect(half > (1n << 63n) - (1n << 12n) && half <= 1n << 63n).toBe(true);
  });
});

describe('probabilistic policy', () => {
  const ids = traceIds(100_000, 2024);

  // ±1 point as required, tightened to 4 standard deviations of a fair coin at that rate
  it.each([1, 10, 25, 50, 90])('keeps %d percent of 100k random trace ids within tolerance', (pct) => {
    const p = probabilistic('p', { hash_salt: 'default-hash-seed', sampling_percentage: pct });
    let kept = 0;
    for (const traceId of ids) if (p.evaluate(trace([], { traceId }), 0).outcome === 'sampled') kept++;
    const sigma = 100 * Math.sqrt((pct / 100) * (1 - pct / 100) / ids.length);
    expect(Math.abs((kept / ids.length) * 100 - pct)).toBeLessThanOrEqual(Math.min(1, 4 * sigma));
  });

  it('is deterministic per trace id, reports rate 100/p, and depends on the salt', () => {
    const a = probabilistic('a', { hash_salt: 's1', sampling_percentage: 20 });
    const b = probabilistic('b', { hash_salt: 's2', sampling_percentage: 20 });
    const sample = ids.slice(0, 2000).map((traceId) => trace([], { traceId }));
    const keptA = sample.map((t) => a.evaluate(t, 0).outcome);
    expect(sample.map((t) => a.evaluate(t, 99).outcome)).toEqual(keptA);
    expect(sample.map((t) => b.evaluate(t, 0).outcome)).not.toEqual(keptA);
    expect(a.evaluate(sample[0] ?? trace([]), 0).sampleRate).toBe(5);
  });

  it('keeps a higher percentage as a superset of a lower one (same salt)', () => {
    const low = probabilistic('low', { hash_salt: 'x', sampling_percentage: 5 });
    const high = probabilistic('high', { hash_salt: 'x', sampling_percentage: 30 });
    for (const traceId of ids.slice(0, 5000)) {
      const t = trace([], { traceId });
      if (low.evaluate(t, 0).outcome === 'sampled') expect(high.evaluate(t, 0).outcome).toBe('sampled');
    }
  });
});
