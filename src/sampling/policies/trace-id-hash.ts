/**
 * Deterministic trace-id hashing, as the OTel Collector's probabilistic policy does it:
 * FNV-1a 64 over the salt's UTF-8 bytes followed by the trace id's 16 raw bytes, kept when
 * the hash is at or below `ratio × (2^64 − 1)`. Same salt → the same traces as a Collector
 * with that salt, on every instance and after every restart.
 */

const MAX_U64 = (1n << 64n) - 1n;
const encoder = new TextEncoder();

/** FNV-1a 64 over the salt and the hex trace id's bytes, computed on 16-bit limbs. */
export function hashTraceId(salt: string, traceIdHex: string): bigint {
  // offset basis 0xcbf29ce484222325, lowest limb first
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  const step = (byte: number): void => {
    h0 ^= byte & 0xff;
    // h × 0x100000001b3 mod 2^64 = h × 0x1b3 + (h << 40)
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (t1 >>> 16) + ((h0 << 8) & 0xffff);
    const t3 = h3 * 0x1b3 + (t2 >>> 16) + (h0 >>> 8) + ((h1 << 8) & 0xffff);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  };
  for (const b of encoder.encode(salt)) step(b);
  for (let i = 0; i + 1 < traceIdHex.length; i += 2) {
    step(Number.parseInt(traceIdHex.slice(i, i + 2), 16) | 0);
  }
  return (BigInt(h3 * 0x10000 + h2) << 32n) | BigInt(h1 * 0x10000 + h0);
}

/** The largest hash kept at keep-probability `ratio` (0..1). */
export function keepThreshold(ratio: number): bigint {
  if (ratio >= 1) return MAX_U64;
  if (ratio <= 0) return -1n;
  const scale = 1n << 53n;
  return (BigInt(Math.floor(ratio * 2 ** 53)) * MAX_U64) / scale;
}

/** True when `traceId` falls in the kept fraction `ratio` for this salt. */
export function keepByHash(salt: string, traceId: string, threshold: bigint): boolean {
  return hashTraceId(salt, traceId) <= threshold;
}
