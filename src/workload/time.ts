/**
 * Millisecond timestamps (doubles, possibly fractional) to Unix ns as bigint. Multiplying
 * first would lose precision: epoch ns (~1.7e18) exceed the 2^53 a double holds exactly.
 */
export function msToNs(ms: number): bigint {
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}
