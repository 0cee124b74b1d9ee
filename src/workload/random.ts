/**
 * Seeded pseudo-random numbers for the workload generator. sfc32 (Chris Doty-Humphrey's
 * Small Fast Counter): 32-bit integer ops only, so it is fast in V8 and, unlike
 * `Math.random`, the same seed gives the same sequence on every machine and Node version.
 * Not cryptographic — ids it makes are for test data only.
 */

export type Seed = number | string;

/** 32-bit FNV-1a then murmur3's finaliser: spreads any seed / stream label over 32 bits. */
function hash32(input: string, salt: number): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < input.length; i++) {
    h ^= input.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const ALL_ZERO = /^0*$/;

/** A seeded generator. Independent streams come from `Rng.derive(seed, ...labels)`. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | undefined;

  constructor(seed: Seed) {
    const s = String(seed);
    this.a = hash32(s, 1);
    this.b = hash32(s, 2);
    this.c = hash32(s, 3);
    this.d = 1;
    // Warm up so nearby seeds decorrelate (the reference implementation does 12 rounds).
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  /** A generator for one named sub-stream: its output does not depend on how much any other stream was used. */
  static derive(seed: Seed, ...labels: readonly (string | number)[]): Rng {
    return new Rng(`${String(seed)}\u0000${labels.join('\u0000')}`);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform float in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** Picks items[i] with probability weights[i] / sum(weights). */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.float() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i] ?? 0;
      if (r < 0) return items[i] as T;
    }
    return this.pick(items);
  }

  /** Normal deviate (Marsaglia polar method; the spare is kept, so two per round). */
  normal(mean = 0, sd = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + sd * z;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = this.float() * 2 - 1;
      v = this.float() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    return mean + sd * u * f;
  }

  /** Log-normal with the given median; latencies are roughly log-normal in real services. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Exponential with the given rate: gaps between Poisson arrivals. */
  exponential(rate: number): number {
    return -Math.log(1 - this.float()) / rate;
  }

  /** `bytes` random bytes as lowercase hex, never all zero (OTLP treats zero ids as invalid). */
  hexId(bytes: number): string {
    for (;;) {
      let out = '';
      let i = 0;
      for (; i + 4 <= bytes; i += 4) out += (this.nextUint32() + 0x100000000).toString(16).slice(1);
      if (i < bytes) out += (this.nextUint32() + 0x100000000).toString(16).slice(1, 1 + 2 * (bytes - i));
      if (!ALL_ZERO.test(out)) return out;
    }
  }
}

/** A weighted choice table built once, picked from in O(log n). */
export class WeightedTable<T> {
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(private readonly items: readonly T[], weights: readonly number[]) {
    if (items.length === 0 || items.length !== weights.length) throw new RangeError('items and weights must match and be non-empty');
    let sum = 0;
    for (const w of weights) {
      if (!(w >= 0)) throw new RangeError(`invalid weight ${w}`);
      sum += w;
      this.cumulative.push(sum);
    }
    if (sum <= 0) throw new RangeError('weights sum to zero');
    this.total = sum;
  }

  pick(rng: Rng): T {
    const r = rng.float() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (r < (this.cumulative[mid] as number)) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo] as T;
  }
}
