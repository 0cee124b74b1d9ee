/**
 * Unix-ns bigints <-> ClickHouse DateTime64(9, 'UTC') text ('2024-01-01 00:00:00.123456789').
 * Text keeps all nine digits exactly on input and output, where a JSON number would not
 * (2^53 ns is only ~104 days).
 */
const NS_PER_SECOND = 1_000_000_000n;

export function nsToDateTime64(ns: bigint): string {
  if (ns < 0n) throw new RangeError(`DateTime64 before 1970 is not supported: ${ns}`);
  const seconds = ns / NS_PER_SECOND;
  const frac = ns % NS_PER_SECOND;
  return `${secondsToDateTime(Number(seconds))}.${frac.toString().padStart(9, '0')}`;
}

export function dateTime64ToNs(text: string): bigint {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(text);
  if (!m) throw new RangeError(`not a DateTime64 value: ${JSON.stringify(text)}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return BigInt(ms / 1000) * NS_PER_SECOND + BigInt((m[7] ?? '').padEnd(9, '0'));
}

/** Whole seconds since the epoch as ClickHouse DateTime text (UTC). */
export function secondsToDateTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** Window starts (ms since the epoch, whole minutes) as DateTime text. */
export function msToDateTime(ms: number): string {
  return secondsToDateTime(Math.floor(ms / 1000));
}

export function dateTimeToMs(text: string): number {
  return Number(dateTime64ToNs(text) / 1_000_000n);
}
