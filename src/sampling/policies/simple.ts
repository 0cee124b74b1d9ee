import { StatusCode } from '../../model/span.ts';
import type { LatencyConfig, ProbabilisticConfig, SpanCountConfig, StatusCodeConfig } from '../config-policy-types.ts';
import { keepThreshold, hashTraceId } from './trace-id-hash.ts';
import { verdict } from './types.ts';
import type { PolicyEvaluator, TraceView, Verdict } from './types.ts';

/** Keeps everything: the baseline, or a catch-all under a composite's rate share. */
export function alwaysSample(name: string): PolicyEvaluator {
  return { name, evaluate: () => verdict('sampled', 1) };
}

/**
 * Keeps `sampling_percentage` % of traces by salted trace-id hash (the Collector's scheme,
 * so the same salt keeps the same traces); rate 100/p so counts can be re-weighted.
 */
export function probabilistic(name: string, c: ProbabilisticConfig): PolicyEvaluator {
  const threshold = keepThreshold(c.sampling_percentage / 100);
  const rate = 100 / c.sampling_percentage;
  return {
    name,
    evaluate: (t) => verdict(hashTraceId(c.hash_salt, t.traceId) <= threshold ? 'sampled' : 'not_sampled', rate),
  };
}

/** Trace duration: latest end minus earliest start over the spans we hold. */
export function traceDurationMs(trace: TraceView): number | undefined {
  let start: bigint | undefined;
  let end: bigint | undefined;
  for (const s of trace.spans) {
    if (start === undefined || s.startTimeUnixNano < start) start = s.startTimeUnixNano;
    if (end === undefined || s.endTimeUnixNano > end) end = s.endTimeUnixNano;
  }
  return start === undefined || end === undefined ? undefined : Number(end - start) / 1e6;
}

/** Keeps slow traces: duration ≥ threshold_ms, and ≤ upper_threshold_ms when that is set. */
export function latency(name: string, c: LatencyConfig): PolicyEvaluator {
  return {
    name,
    evaluate(trace: TraceView): Verdict {
      const ms = traceDurationMs(trace);
      const hit = ms !== undefined && ms >= c.threshold_ms && (c.upper_threshold_ms === 0 || ms <= c.upper_threshold_ms);
      return verdict(hit ? 'sampled' : 'not_sampled', 1, ms === undefined ? 'no spans' : `duration ${ms} ms`);
    },
  };
}

/** Keeps traces with at least one span whose status is listed (typically ERROR). */
export function statusCode(name: string, c: StatusCodeConfig): PolicyEvaluator {
  const wanted = new Set<number>(c.status_codes.map((code) => StatusCode[code]));
  return {
    name,
    evaluate: (trace) => verdict(trace.spans.some((s) => wanted.has(s.status.code)) ? 'sampled' : 'not_sampled'),
  };
}

/** Keeps traces whose span count (including spans past the buffer limit) is in range. */
export function spanCount(name: string, c: SpanCountConfig): PolicyEvaluator {
  return {
    name,
    evaluate(trace: TraceView): Verdict {
      const n = trace.spanCount;
      const hit = n >= c.min_spans && (c.max_spans === 0 || n <= c.max_spans);
      return verdict(hit ? 'sampled' : 'not_sampled', 1, `${n} spans`);
    },
  };
}
