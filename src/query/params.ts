import { checkDurationRange, parseDuration } from './duration.ts';
import { invalidParam } from './errors.ts';
import { parseTagPair, parseTags, type TagFilter } from './tags.ts';
import { DEFAULT_LIMIT, DEFAULT_LOOKBACK_NS, MAX_LIMIT, SPAN_KINDS, type SpanKindName, type TraceQuery } from './trace-query.ts';

/** The query string of a request, as standard URLSearchParams (no qs nesting surprises). */
export function searchParams(originalUrl: string): URLSearchParams {
  return new URL(originalUrl, 'http://localhost').searchParams;
}

/** The parameter's single value; '' counts as absent (Jaeger UI sends empty fields). */
export function single(p: URLSearchParams, name: string): string | undefined {
  const all = p.getAll(name).filter((v) => v !== '');
  if (all.length > 1) throw invalidParam(name, 'given more than once');
  return all[0];
}

export function integer(name: string, text: string, min: bigint, max: bigint): bigint {
  if (!/^[-+]?\d+$/.test(text.trim())) throw invalidParam(name, `not an integer: ${JSON.stringify(text)}`);
  const v = BigInt(text.trim());
  if (v < min || v > max) throw invalidParam(name, `${v} is out of range [${min}, ${max}]`);
  return v;
}

export function limit(name: string, text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  const v = Number(integer(name, text, 0n, BigInt(MAX_LIMIT)));
  return v === 0 ? DEFAULT_LIMIT : v;
}

export function spanKind(name: string, text: string | undefined): SpanKindName | undefined {
  if (text === undefined) return undefined;
  const k = text.toLowerCase().replace(/^span_kind_/, '');
  if (!(SPAN_KINDS as readonly string[]).includes(k)) throw invalidParam(name, `unknown span kind ${JSON.stringify(text)} (one of ${SPAN_KINDS.join(', ')})`);
  return k as SpanKindName;
}

const MAX_US = 9_223_372_036_854_775n; // µs that still fit int64 ns

/**
 * Jaeger's classic search: service (required), operation, tags (JSON or logfmt) and
 * repeated tag=key:value, start / end in µs since the epoch (default: the last hour up
 * to now), minDuration / maxDuration with units, limit (default 20).
 */
export function parseV1Search(p: URLSearchParams, nowNs: bigint): TraceQuery {
  const service = single(p, 'service');
  if (service === undefined) throw invalidParam('service', 'is required');
  const tags: TagFilter[] = [];
  const tagsText = single(p, 'tags');
  if (tagsText !== undefined) tags.push(...parseTags('tags', tagsText));
  for (const t of p.getAll('tag')) if (t !== '') tags.push(parseTagPair('tag', t));
  const endText = single(p, 'end');
  const endNs = endText === undefined ? nowNs : integer('end', endText, 0n, MAX_US) * 1000n;
  const startText = single(p, 'start');
  const lookback = single(p, 'lookback');
  const back = lookback === undefined || lookback === 'custom' ? DEFAULT_LOOKBACK_NS : lookbackNs(lookback);
  // A lookback past the epoch starts at the epoch (ClickHouse's DateTime64 cannot go far before it).
  const startNs = startText === undefined ? (endNs > back ? endNs - back : 0n) : integer('start', startText, 0n, MAX_US) * 1000n;
  if (startNs > endNs) throw invalidParam('start', 'must not be after end');
  return withDurations({ service, tags, startNs, endNs, limit: limit('limit', single(p, 'limit')), ...opt('operation', single(p, 'operation')) },
    p, 'minDuration', 'maxDuration');
}

/** Jaeger UI's lookback values: Go durations plus whole days (`2d`). */
function lookbackNs(text: string): bigint {
  const days = /^(\d+)d$/.exec(text);
  return days ? checkDurationRange('lookback', text, BigInt(days[1] as string) * 86_400_000_000_000n) : parseDuration('lookback', text);
}

function withDurations(q: TraceQuery, p: URLSearchParams, minName: string, maxName: string): TraceQuery {
  const min = single(p, minName);
  const max = single(p, maxName);
  return checkDurations({
    ...q,
    ...(min === undefined ? {} : { minDurationNs: parseDuration(minName, min) }),
    ...(max === undefined ? {} : { maxDurationNs: parseDuration(maxName, max) }),
  }, minName);
}

function checkDurations(q: TraceQuery, minName: string): TraceQuery {
  if (q.minDurationNs !== undefined && q.maxDurationNs !== undefined && q.minDurationNs > q.maxDurationNs) {
    throw invalidParam(minName, 'must not exceed the maximum duration');
  }
  return q;
}

function opt<K extends string>(key: K, v: string | undefined): Partial<Record<K, string>> {
  return v === undefined ? {} : ({ [key]: v } as Record<K, string>);
}

/** RFC 3339 with up to nine fraction digits, to exact Unix nanoseconds. */
export function rfc3339ToNs(name: string, text: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/.exec(text.trim());
  const ms = m ? Date.parse(`${m[1]}T${m[2]}${m[4] === 'z' ? 'Z' : m[4]}`) : Number.NaN;
  if (!m || Number.isNaN(ms)) throw invalidParam(name, `not an RFC 3339 timestamp: ${JSON.stringify(text)}`);
  return BigInt(ms) * 1_000_000n + BigInt((m[3] ?? '').padEnd(9, '0'));
}
