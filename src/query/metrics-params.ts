import { DEFAULT_WINDOW_MS } from '../edges/window.ts';
import { QueryError } from './errors.ts';
import { SPAN_KINDS, type SpanKindName } from './trace-query.ts';

/**
 * One Jaeger metrics (SPM) query, as Jaeger's query service parses `/api/metrics/*`:
 * service (repeatable, required), spanKind (repeatable, default server), groupByOperation,
 * endTs (ms, default now), lookback / step / ratePer (ms). Our span metrics are per
 * minute, so step and ratePer must be whole minutes; a missing step is one minute (Jaeger's
 * default of 5 s is finer than we store).
 */
export interface MetricsQuery {
  readonly services: readonly string[];
  readonly spanKinds: readonly SpanKindName[];
  readonly groupByOperation: boolean;
  readonly endMs: number;
  readonly lookbackMs: number;
  readonly stepMs: number;
  readonly ratePerMs: number;
}

/** The smallest step we can answer (`/api/metrics/minstep`): the span-metrics window. */
export const MIN_STEP_MS = DEFAULT_WINDOW_MS;
/** Points per series, as Prometheus bounds a range query. */
export const MAX_POINTS = 11_000;
const DEFAULT_LOOKBACK_MS = 3_600_000;
const DEFAULT_RATE_PER_MS = 600_000;
const MAX_MS = 4_294_967_295_000; // ClickHouse DateTime's last second (2106)

/** A 400 worded as Jaeger's query parser words it. */
export function paramError(param: string, detail: string): QueryError {
  return new QueryError('INVALID_ARGUMENT', `unable to parse param '${param}': ${detail}`);
}

/** Jaeger reads the first value of a parameter; '' counts as absent. */
function first(p: URLSearchParams, name: string): string | undefined {
  const v = p.get(name);
  return v === null || v === '' ? undefined : v;
}

function int(p: URLSearchParams, name: string, dflt: number, min: number): number {
  const text = first(p, name);
  if (text === undefined) return dflt;
  if (!/^[-+]?\d+$/.test(text)) throw paramError(name, `strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`);
  const v = Number(text);
  if (v < min || v > MAX_MS) throw paramError(name, `${text} is out of range [${min}, ${MAX_MS}]`);
  return v;
}

function wholeMinutes(p: URLSearchParams, name: string, dflt: number): number {
  const v = int(p, name, dflt, 1);
  if (v % MIN_STEP_MS !== 0) throw paramError(name, `${v} ms is not a whole number of minutes (span metrics are per ${MIN_STEP_MS} ms window; see /api/metrics/minstep)`);
  return v;
}

/** Go's strconv.ParseBool. */
function bool(p: URLSearchParams, name: string): boolean {
  const text = first(p, name);
  if (text === undefined) return false;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw paramError(name, `strconv.ParseBool: parsing ${JSON.stringify(text)}: invalid syntax`);
}

export function parseMetricsQuery(p: URLSearchParams, nowMs: number): MetricsQuery {
  const services = p.getAll('service').filter((s) => s !== '');
  if (services.length === 0) throw paramError('service', 'please provide at least one service name');
  const kinds = p.getAll('spanKind');
  const spanKinds = kinds.length === 0 ? (['server'] as const) : kinds.map((k) => {
    const kind = k.toLowerCase();
    if (!(SPAN_KINDS as readonly string[]).includes(kind)) throw paramError('spanKind', `unsupported span kind: '${k}'`);
    return kind as SpanKindName;
  });
  const q: MetricsQuery = {
    services, spanKinds, groupByOperation: bool(p, 'groupByOperation'),
    endMs: int(p, 'endTs', nowMs, 0),
    lookbackMs: int(p, 'lookback', DEFAULT_LOOKBACK_MS, 1),
    stepMs: wholeMinutes(p, 'step', MIN_STEP_MS),
    ratePerMs: wholeMinutes(p, 'ratePer', DEFAULT_RATE_PER_MS),
  };
  const points = Math.floor(q.lookbackMs / q.stepMs) + 1;
  if (points > MAX_POINTS) throw paramError('step', `lookback ${q.lookbackMs} ms / step ${q.stepMs} ms gives ${points} points per series, more than ${MAX_POINTS}`);
  return q;
}

/** `quantile` of /api/metrics/latencies: required, in [0, 1]. */
export function parseQuantile(p: URLSearchParams): number {
  const text = p.get('quantile') ?? '';
  const v = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(v)) throw paramError('quantile', `strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`);
  if (v < 0 || v > 1) throw paramError('quantile', `${text} is not within [0, 1]`);
  return v;
}
