import { describe, expect, it } from 'vitest';
import { Rng, WeightedTable } from '../../../src/workload/random.ts';

const draw = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.nextUint32());

describe('Rng', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    expect(draw(new Rng(42), 100)).toEqual(draw(new Rng(42), 100));
    expect(draw(new Rng('abc'), 100)).toEqual(draw(new Rng('abc'), 100));
    expect(draw(new Rng(42), 100)).not.toEqual(draw(new Rng(43), 100));
  });

  it('pins the sequence so output never changes silently across versions', () => {
    // Recorded once; a change here changes every seeded workload in the project's tests.
    expect(draw(new Rng(1), 3)).toEqual([1103555663, 566965874, 3520117360]);
    expect(new Rng('seed').hexId(8)).toBe('5f1bf6bc9e856cb5');
  });

  it('derives independent streams per label', () => {
    expect(draw(Rng.derive(7, 'trace', 1), 20)).not.toEqual(draw(Rng.derive(7, 'trace', 2), 20));
    expect(draw(Rng.derive(7, 'trace', 1), 20)).toEqual(draw(Rng.derive(7, 'trace', 1), 20));
  });

  it('keeps int within inclusive bounds and hits both ends', () => {
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 5000; i++) seen.add(rng.int(-2, 3));
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3]);
  });

  it('float is in [0, 1) with a mean near 0.5', () => {
    const rng = new Rng(5);
    const xs = Array.from({ length: 20000 }, () => rng.float());
    expect(xs.every((f) => f >= 0 && f < 1)).toBe(true);
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(0.5, 1);
  });

  it('normal has the requested mean and deviation; lognormal the requested median', () => {
    const rng = new Rng(9);
    const xs = Array.from({ length: 20000 }, () => rng.normal(10, 2));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean - 10)).toBeLessThan(0.1);
    expect(Math.abs(sd - 2)).toBeLessThan(0.1);
    const ls = Array.from({ length: 20001 }, () => rng.lognormal(50, 0.6)).sort((a, b) => a - b);
    expect(Math.abs((ls[10000] as number) - 50)).toBeLessThan(2.5);
  });

  it('hexId has the requested length, lowercase hex, and is never all zero', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 2000; i++) {
      expect(rng.hexId(8)).toMatch(/^[0-9a-f]{16}$/);
      const t = rng.hexId(16);
      expect(t).toMatch(/^[0-9a-f]{32}$/);
      expect(t).not.toMatch(/^0+$/);
    }
    expect(rng.hexId(3)).toMatch(/^[0-9a-f]{6}$/);
  });

  it('weighted and WeightedTable follow the weights and never pick a zero weight', () => {
    const rng = new Rng(13);
    const abc = ['a', 'b', 'c'] as const;
    const table = new WeightedTable(abc, [1, 3, 0]);
    const counts = { a: 0, b: 0, c: 0 };
    const counts2 = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 20000; i++) {
      counts[table.pick(rng)]++;
      counts2[rng.weighted(abc, [1, 3, 0])]++;
    }
    for (const c of [counts, counts2]) {
      expect(c.c).toBe(0);
      expect(c.b / (c.a + c.b)).toBeGreaterThan(0.72);
      expect(c.b / (c.a + c.b)).toBeLessThan(0.78);
    }
  });

  it('rejects empty picks and invalid tables', () => {
    expect(() => new Rng(1).pick([])).toThrow(RangeError);
    expect(() => new WeightedTable(['a'], [0])).toThrow(RangeError);
    expect(() => new WeightedTable(['a', 'b'], [1])).toThrow(RangeError);
  });
});
