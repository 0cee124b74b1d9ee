import type { AnyValue, Span } from '../../model/span.ts';
import { findAttribute } from '../../model/span.ts';
import type {
  BooleanAttributeConfig,
  NumericAttributeConfig,
  StringAttributeConfig,
  TraceStateConfig,
} from '../config-policy-types.ts';
import { matchVerdict, verdict } from './types.ts';
import type { PolicyEvaluator, TraceView } from './types.ts';

/**
 * True when any span's resource or span attribute `key` satisfies `test` — the Collector
 * looks at both, so `service.name` (resource) and `http.route` (span) work alike.
 */
export function anyAttribute(trace: TraceView, key: string, test: (v: AnyValue) => boolean): boolean {
  return trace.spans.some((s: Span) => {
    const r = findAttribute(s.resource.attributes, key);
    if (r !== undefined && test(r)) return true;
    const a = findAttribute(s.attributes, key);
    return a !== undefined && test(a);
  });
}

/**
 * Exact or regex match of string attributes. Regexes are unanchored (Go's MatchString);
 * their results are memoized per attribute value in an LRU of `cache_max_size` entries,
 * since the same few values (routes, service names) repeat across millions of spans.
 */
export function stringAttribute(name: string, c: StringAttributeConfig): PolicyEvaluator {
  const exact = new Set(c.values);
  const regexes = c.enabled_regex_matching ? c.values.map((v) => new RegExp(v)) : [];
  const cache = new Map<string, boolean>();
  const matches = (s: string): boolean => {
    if (!c.enabled_regex_matching) return exact.has(s);
    const hit = cache.get(s);
    if (hit !== undefined) {
      cache.delete(s);
      cache.set(s, hit);
      return hit;
    }
    const result = regexes.some((re) => re.test(s));
    cache.set(s, result);
    if (cache.size > c.cache_max_size) {
      const eldest = cache.keys().next();
      if (eldest.done !== true) cache.delete(eldest.value);
    }
    return result;
  };
  return {
    name,
    evaluate: (t) => matchVerdict(anyAttribute(t, c.key, (v) => v.type === 'string' && matches(v.value)), c.invert_match),
    stateSize: () => cache.size,
  };
}

/** Int or double attributes within [min_value, max_value] (either bound may be open). */
export function numericAttribute(name: string, c: NumericAttributeConfig): PolicyEvaluator {
  const inRange = (n: number): boolean =>
    (c.min_value === undefined || n >= c.min_value) && (c.max_value === undefined || n <= c.max_value);
  const test = (v: AnyValue): boolean =>
    (v.type === 'int' && inRange(Number(v.value))) || (v.type === 'double' && inRange(v.value));
  return { name, evaluate: (t) => matchVerdict(anyAttribute(t, c.key, test), c.invert_match) };
}

/** Boolean attributes equal to `value`. */
export function booleanAttribute(name: string, c: BooleanAttributeConfig): PolicyEvaluator {
  const test = (v: AnyValue): boolean => v.type === 'bool' && v.value === c.value;
  return { name, evaluate: (t) => matchVerdict(anyAttribute(t, c.key, test), c.invert_match) };
}

/** Keeps traces where some span's W3C tracestate has `key=<one of values>`. */
export function traceState(name: string, c: TraceStateConfig): PolicyEvaluator {
  const wanted = new Set(c.values);
  const hit = (ts: string): boolean =>
    ts.split(',').some((member) => {
      const eq = member.indexOf('=');
      return eq > 0 && member.slice(0, eq).trim() === c.key && wanted.has(member.slice(eq + 1).trim());
    });
  return { name, evaluate: (t) => verdict(t.spans.some((s) => hit(s.traceState)) ? 'sampled' : 'not_sampled') };
}
