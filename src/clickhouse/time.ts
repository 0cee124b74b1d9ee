/**
 * Unix-ns bigints <-> ClickHouse DateTime64(9, 'UTC') text ('2024-01-01 00:00:00.123456789').
 * Text keeps all nine digits exactly on input and output, where a JSON number would not
 * (2^53 ns is only ~104 days).
 */
const NS_PER_SECOND = 1_000_000_000n;

export function nsToDateTime64(ns: bigint): string {
  if (ns < 0n) throw new RangeError(`DateTime64 before 1970 is not supported: ${ns}`);
  const seconds = Number(ns / NS_PER_SECOND);
  const frac = Number(ns % NS_PER_SECOND); // below 10^9: exact, and a number prints faster than a bigint
  if (seconds !== last.seconds) {
    last.seconds = seconds;
    last.text = secondsToDateTime(seconds);
  }
  return `${last.text}.${String(frac).padStart(9, '0')}`;
}

/**
 * The last second formatted: the sink formats two times a span, and a trace's times mostly
 * fall in the same second, so most calls reuse it (a memo of a pure function, no state
 * anyone can observe).
 */
const last = { seconds: NaN, text: '' };

export function dateTime64ToNs(text: string): bigint {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(text);
  if (!m) throw new RangeError(`not a DateTime64 value: ${JSON.stringify(text)}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return BigInt(ms / 1000) * NS_PER_SECOND + BigInt((m[7] ?? '').padEnd(9, '0'));
}

/**
 * Whole seconds since the epoch as ClickHouse DateTime text (UTC), years 1970-9999. Civil
 * date from the day number by arithmetic (H. Hinnant's days_from_civil inverse) rather than
 * through a Date and its ISO text: the sink formats two times per span, and the Date path
 * was 16 % of mapping spans to rows.
 */
export function secondsToDateTime(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const sod = seconds - days * 86_400;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1_460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hh = Math.floor(sod / 3_600);
  const mm = Math.floor((sod - hh * 3_600) / 60);
  const ss = sod - hh * 3_600 - mm * 60;
  return `${String(year).padStart(4, '0')}-${two(month)}-${two(day)} ${two(hh)}:${two(mm)}:${two(ss)}`;
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Window starts (ms since the epoch, whole minutes) as DateTime text. */
export function msToDateTime(ms: number): string {
  return secondsToDateTime(Math.floor(ms / 1000));
}

export function dateTimeToMs(text: string): number {
  return Number(dateTime64ToNs(text) / 1_000_000n);
}
