import { parseDuration } from './duration.ts';
import { invalidParam } from './errors.ts';
import { integer, rfc3339ToNs, single } from './params.ts';
import { parseTags } from './tags.ts';
import { MAX_LIMIT, type TraceQuery } from './trace-query.ts';

/** Jaeger 2.x's FindTraces default search depth over HTTP. */
export const V3_DEFAULT_SEARCH_DEPTH = 100;

/**
 * api_v3's query parameters as Jaeger 2.x's HTTP gateway reads them: the camelCase name
 * (proto3 JSON) first, then the deprecated snake_case alias. Errors name the spelling given.
 */
const NAMES = {
  serviceName: ['query.serviceName', 'query.service_name'],
  operationName: ['query.operationName', 'query.operation_name'],
  startTimeMin: ['query.startTimeMin', 'query.start_time_min'],
  startTimeMax: ['query.startTimeMax', 'query.start_time_max'],
  searchDepth: ['query.searchDepth', 'query.search_depth', 'query.num_traces'],
  durationMin: ['query.durationMin', 'query.duration_min'],
  durationMax: ['query.durationMax', 'query.duration_max'],
  rawTraces: ['query.rawTraces', 'query.raw_traces'],
  attributes: ['query.attributes'],
  filter: ['query.filter'],
} as const;

export interface GivenParam {
  readonly name: string;
  readonly value: string;
}

/** The first spelling given a non-empty value. */
export function pick(p: URLSearchParams, names: readonly string[]): GivenParam | undefined {
  for (const name of names) {
    const value = single(p, name);
    if (value !== undefined) return { name, value };
  }
  return undefined;
}

/** Go's strconv.ParseBool. */
export function goBool(given: GivenParam): boolean {
  if (/^(1|t|T|TRUE|true|True)$/.test(given.value)) return true;
  if (/^(0|f|F|FALSE|false|False)$/.test(given.value)) return false;
  throw invalidParam(given.name, `not a boolean: ${JSON.stringify(given.value)}`);
}

/**
 * FindTraces / FindTraceSummaries over HTTP. Both start-time bounds (RFC 3339) are
 * required; the service name is not (a search by attributes and time alone);
 * `query.attributes` is a JSON map (logfmt also works); durations in Go syntax;
 * search depth (default 100) is the trace limit. `query.rawTraces` is accepted and
 * changes nothing (we never adjust traces); filter expressions are a 400.
 */
export function parseV3Search(p: URLSearchParams): TraceQuery {
  const get = (k: keyof typeof NAMES): GivenParam | undefined => pick(p, NAMES[k]);
  const min = get('startTimeMin');
  const max = get('startTimeMax');
  if (min === undefined) throw invalidParam(NAMES.startTimeMin[0], `is required (with ${NAMES.startTimeMax[0]})`);
  if (max === undefined) throw invalidParam(NAMES.startTimeMax[0], `is required (with ${NAMES.startTimeMin[0]})`);
  const startNs = rfc3339ToNs(min.name, min.value);
  const endNs = rfc3339ToNs(max.name, max.value);
  if (startNs > endNs) throw invalidParam(min.name, `must not be after ${max.name}`);
  const filter = get('filter');
  if (filter !== undefined) throw invalidParam(filter.name, 'filter expressions are not supported; use query.attributes');
  const raw = get('rawTraces');
  if (raw !== undefined) goBool(raw);
  const depth = get('searchDepth');
  const n = depth === undefined ? 0 : Number(integer(depth.name, depth.value, -2147483648n, BigInt(MAX_LIMIT)));
  const service = get('serviceName');
  const operation = get('operationName');
  const attrs = get('attributes');
  const dmin = get('durationMin');
  const dmax = get('durationMax');
  const q: TraceQuery = {
    startNs, endNs, tags: attrs === undefined ? [] : parseTags(attrs.name, attrs.value), limit: n > 0 ? n : V3_DEFAULT_SEARCH_DEPTH,
    ...(service === undefined ? {} : { service: service.value }),
    ...(operation === undefined ? {} : { operation: operation.value }),
    ...(dmin === undefined ? {} : { minDurationNs: parseDuration(dmin.name, dmin.value) }),
    ...(dmax === undefined ? {} : { maxDurationNs: parseDuration(dmax.name, dmax.value) }),
  };
  if (q.minDurationNs !== undefined && q.maxDurationNs !== undefined && q.minDurationNs > q.maxDurationNs) {
    throw invalidParam(dmin?.name ?? '', 'must not exceed the maximum duration');
  }
  return q;
}
