import { AdaptiveSampler } from '../adaptive.ts';
import type { PolicyConfig } from '../config-policy-types.ts';
import { booleanAttribute, numericAttribute, stringAttribute, traceState } from './attributes.ts';
import { and, drop, not } from './combinators.ts';
import { composite } from './composite.ts';
import { bytesLimiting, rateLimiting } from './limiting.ts';
import { alwaysSample, latency, probabilistic, spanCount, statusCode } from './simple.ts';
import type { PolicyEvaluator } from './types.ts';

/**
 * Turns one validated policy config into its evaluator — the one exhaustive switch over
 * policy types. Each call builds fresh state (rate limiters, adaptive EMAs), so build once
 * per sampler and keep it.
 */
export function buildEvaluator(p: PolicyConfig): PolicyEvaluator {
  switch (p.type) {
    case 'always_sample':
      return alwaysSample(p.name);
    case 'probabilistic':
      return probabilistic(p.name, p.probabilistic);
    case 'latency':
      return latency(p.name, p.latency);
    case 'status_code':
      return statusCode(p.name, p.status_code);
    case 'string_attribute':
      return stringAttribute(p.name, p.string_attribute);
    case 'numeric_attribute':
      return numericAttribute(p.name, p.numeric_attribute);
    case 'boolean_attribute':
      return booleanAttribute(p.name, p.boolean_attribute);
    case 'trace_state':
      return traceState(p.name, p.trace_state);
    case 'span_count':
      return spanCount(p.name, p.span_count);
    case 'rate_limiting':
      return rateLimiting(p.name, p.rate_limiting);
    case 'bytes_limiting':
      return bytesLimiting(p.name, p.bytes_limiting);
    case 'adaptive':
      return new AdaptiveSampler(p.name, p.adaptive);
    case 'and':
      return and(p.name, p.and.and_sub_policy.map(buildEvaluator));
    case 'not':
      return not(p.name, buildEvaluator(p.not.not_sub_policy));
    case 'drop':
      return drop(p.name, p.drop.drop_sub_policy.map(buildEvaluator));
    case 'composite': {
      const subs = new Map(p.composite.composite_sub_policy.map((s) => [s.name, buildEvaluator(s)]));
      return composite(p.name, p.composite, subs);
    }
  }
}
