/**
 * The one duration parser: Go `time.ParseDuration` syntax, which Jaeger uses for its query
 * parameters and the OpenTelemetry Collector for its config — a sequence of decimal numbers
 * with units ("1.2ms", ".5s", "1m30s", "250us" / "250µs" / "250μs"), an optional leading
 * "+", and "0" alone. Exact to the nanosecond (fractions truncate), within Go's int64 range.
 * Callers turn a problem into their own error naming the field or parameter.
 */
const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n, us: 1_000n, 'µs': 1_000n, 'μs': 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n,
};
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Go's largest Duration (int64 ns, ~292 years). */
export const MAX_DURATION_NS = 9_223_372_036_854_775_807n;

export type DurationProblem = 'empty' | 'negative' | 'syntax' | 'range';

export type ParsedDuration = { readonly ok: true; readonly ns: bigint } | { readonly ok: false; readonly problem: DurationProblem };

export function parseDurationNs(text: string): ParsedDuration {
  const s = text.trim();
  if (s === '') return { ok: false, problem: 'empty' };
  if (s.startsWith('-')) return { ok: false, problem: 'negative' };
  const body = s.startsWith('+') ? s.slice(1) : s;
  if (body === '0') return { ok: true, ns: 0n };
  let total = 0n;
  let at = 0;
  while (at < body.length) {
    PART.lastIndex = at;
    const m = PART.exec(body);
    if (!m) return { ok: false, problem: 'syntax' };
    total += scaled(m[1] as string, UNIT_NS[m[2] as string] as bigint);
    if (total > MAX_DURATION_NS) return { ok: false, problem: 'range' };
    at = PART.lastIndex;
  }
  return { ok: true, ns: total };
}

/** `digits` (maybe with a fraction) × unit, exactly, truncated to whole nanoseconds. */
function scaled(digits: string, unit: bigint): bigint {
  const [whole = '', frac = ''] = digits.split('.');
  const w = BigInt(whole === '' ? '0' : whole) * unit;
  if (frac === '') return w;
  const scale = 10n ** BigInt(frac.length);
  return w + (BigInt(frac) * unit) / scale;
}
