import { invalidParam } from './errors.ts';

/**
 * Go `time.ParseDuration` syntax, which Jaeger uses for minDuration / maxDuration and
 * api_v3's duration_min / duration_max: a sequence of decimal numbers with units, e.g.
 * "1.2ms", "3s", "1m30s", "250us" / "250µs". A unit is required (Jaeger rejects "100").
 */
const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n, us: 1_000n, 'µs': 1_000n, 'μs': 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n,
};
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Go's largest Duration (int64 ns, ~292 years): past it Go says "invalid duration", and a UInt64 parameter would wrap. */
export const MAX_DURATION_NS = 9_223_372_036_854_775_807n;

/** A 400 naming `param` when `ns` does not fit a Go Duration. */
export function checkDurationRange(param: string, text: string, ns: bigint): bigint {
  if (ns > MAX_DURATION_NS) throw invalidParam(param, `duration ${JSON.stringify(text)} is out of range (at most ${MAX_DURATION_NS}ns, about 292 years)`);
  return ns;
}

/** Nanoseconds of `text`; throws a 400 naming `param` when it is not a duration. */
export function parseDuration(param: string, text: string): bigint {
  const s = text.trim();
  if (s === '') throw invalidParam(param, 'empty duration');
  if (s.startsWith('-')) throw invalidParam(param, `negative duration ${JSON.stringify(text)}`);
  const body = s.startsWith('+') ? s.slice(1) : s;
  if (body === '0') return 0n;
  let total = 0n;
  let at = 0;
  while (at < body.length) {
    PART.lastIndex = at;
    const m = PART.exec(body);
    if (!m) throw invalidParam(param, `not a duration ${JSON.stringify(text)} (use a number with a unit: ns, us, ms, s, m, h — e.g. 1.2ms)`);
    total = checkDurationRange(param, text, total + scaled(m[1] as string, UNIT_NS[m[2] as string] as bigint));
    at = PART.lastIndex;
  }
  return total;
}

/** `digits` (maybe with a fraction) × unit, exactly, truncated to whole nanoseconds. */
function scaled(digits: string, unit: bigint): bigint {
  const [whole = '', frac = ''] = digits.split('.');
  const w = BigInt(whole === '' ? '0' : whole) * unit;
  if (frac === '') return w;
  const scale = 10n ** BigInt(frac.length);
  return w + (BigInt(frac) * unit) / scale;
}
