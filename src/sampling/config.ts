import { parse as parseYaml } from 'yaml';
import { ObjectReader, ConfigError } from '../util/config-reader.ts';
import { parsePolicyList } from './config-policies.ts';
import type { PolicyConfig } from './config-policy-types.ts';
import { errorMessage } from '../util/errors.ts';

export { ConfigError } from '../util/config-reader.ts';
export type * from './config-policy-types.ts';

/**
 * The trace-assembly and sampling settings, parsed once at start and frozen. Top-level
 * keys are the Collector's `tail_sampling` keys plus ours; times are milliseconds.
 */
export interface SamplingConfig {
  /** Inactivity after which a trace is complete (Collector: `decision_wait`). */
  readonly decisionWaitMs: number;
  /** Once the root span arrived, wait only this long for stragglers. */
  readonly rootGraceMs: number;
  /** Traces in flight before the oldest is decided early (Collector: `num_traces`). */
  readonly numTraces: number;
  /** Sizing hint only, accepted so Collector configs parse. */
  readonly expectedNewTracesPerSec: number;
  readonly maxSpansPerTrace: number;
  readonly maxTraceBytes: number;
  /** A trace older than this (since its first span) is decided at once. */
  readonly maxTraceAgeMs: number;
  readonly decisionCache: { readonly ttlMs: number; readonly maxEntries: number };
  readonly policies: readonly PolicyConfig[];
}

/**
 * The policy set used when none is configured, so a new user sees data: every trace with
 * an error, every trace slower than 1 s, and 10 % of the rest.
 */
export const DEFAULT_POLICIES: readonly PolicyConfig[] = deepFreeze([
  { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
  { name: 'slow', type: 'latency', latency: { threshold_ms: 1000, upper_threshold_ms: 0 } },
  { name: 'probabilistic-10', type: 'probabilistic', probabilistic: { hash_salt: 'default-hash-seed', sampling_percentage: 10 } },
] satisfies PolicyConfig[]);

export const SAMPLING_DEFAULTS = {
  decisionWaitMs: 10_000,
  rootGraceMs: 2_000,
  numTraces: 50_000,
  maxSpansPerTrace: 10_000,
  maxTraceBytes: 16 * 1024 * 1024,
  maxTraceAgeMs: 5 * 60_000,
  decisionCacheTtlMs: 10 * 60_000,
  decisionCacheMaxEntries: 100_000,
} as const;

/**
 * Parses YAML or JSON text (JSON is YAML). `path` prefixes error paths when the sampling
 * block sits inside a larger document (e.g. `sampling`).
 */
export function parseSamplingConfigText(text: string, path = ''): SamplingConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(path, `not valid YAML or JSON: ${errorMessage(err)}`);
  }
  return parseSamplingConfig(doc ?? {}, path);
}

/** Validates an already-parsed document (e.g. the `sampling` section of the app config). */
export function parseSamplingConfig(value: unknown, path = ''): SamplingConfig {
  const r = ObjectReader.of(value, path);
  const d = SAMPLING_DEFAULTS;
  const decisionWaitMs = r.duration('decision_wait', d.decisionWaitMs);
  if (decisionWaitMs <= 0) throw new ConfigError(r.at('decision_wait'), 'expected a duration > 0');
  const rootGraceMs = r.duration('root_grace', Math.min(d.rootGraceMs, decisionWaitMs));
  if (rootGraceMs > decisionWaitMs) {
    throw new ConfigError(r.at('root_grace'), `must not exceed decision_wait (${decisionWaitMs} ms), got ${rootGraceMs} ms`);
  }
  const numTraces = r.number('num_traces', { integer: true, min: 1 }, d.numTraces);
  const expectedNewTracesPerSec = r.number('expected_new_traces_per_sec', { integer: true, min: 0 }, 0);
  const maxSpansPerTrace = r.number('max_spans_per_trace', { integer: true, min: 1 }, d.maxSpansPerTrace);
  const maxTraceBytes = r.number('max_trace_bytes', { integer: true, min: 1 }, d.maxTraceBytes);
  const maxTraceAgeMs = r.duration('max_trace_age', Math.max(d.maxTraceAgeMs, decisionWaitMs));
  if (maxTraceAgeMs < decisionWaitMs) {
    throw new ConfigError(r.at('max_trace_age'), `must be at least decision_wait (${decisionWaitMs} ms), got ${maxTraceAgeMs} ms`);
  }
  const decisionCache = r.has('decision_cache') ? parseDecisionCache(r.object('decision_cache')) : defaultCache();
  const policies = r.has('policies')
    ? parsePolicyList(r.list('policies', { required: true, nonEmpty: true }), true)
    : DEFAULT_POLICIES;
  r.done();
  return deepFreeze({
    decisionWaitMs,
    rootGraceMs,
    numTraces,
    expectedNewTracesPerSec,
    maxSpansPerTrace,
    maxTraceBytes,
    maxTraceAgeMs,
    decisionCache,
    policies,
  });
}

function defaultCache(): SamplingConfig['decisionCache'] {
  return { ttlMs: SAMPLING_DEFAULTS.decisionCacheTtlMs, maxEntries: SAMPLING_DEFAULTS.decisionCacheMaxEntries };
}

/**
 * `{ ttl, max_entries }`; the Collector's `sampled_cache_size` / `non_sampled_cache_size`
 * are accepted and, when `max_entries` is absent, sized as their sum (we keep one cache).
 */
function parseDecisionCache(c: ObjectReader): SamplingConfig['decisionCache'] {
  const ttlMs = c.duration('ttl', SAMPLING_DEFAULTS.decisionCacheTtlMs);
  const sampled = c.optionalNumber('sampled_cache_size', { integer: true, min: 0 });
  const nonSampled = c.optionalNumber('non_sampled_cache_size', { integer: true, min: 0 });
  const collectorSize = sampled === undefined && nonSampled === undefined ? undefined : (sampled ?? 0) + (nonSampled ?? 0);
  const maxEntries = c.number('max_entries', { integer: true, min: 0 }, collectorSize ?? SAMPLING_DEFAULTS.decisionCacheMaxEntries);
  c.done();
  return { ttlMs, maxEntries };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
