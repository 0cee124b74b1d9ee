import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICIES,
  SAMPLING_DEFAULTS,
  ConfigError,
  parseSamplingConfig,
  parseSamplingConfigText,
} from '../../../src/sampling/config.ts';
import { parseDuration } from '../../../src/util/config-reader.ts';

/** The example policy list from the OTel Collector tail_sampling processor's documentation. */
const COLLECTOR_EXAMPLE = `
decision_wait: 10s
num_traces: 100
expected_new_traces_per_sec: 10
decision_cache:
  sampled_cache_size: 100_000
policies:
  [
    { name: test-policy-1, type: always_sample },
    { name: test-policy-2, type: latency, latency: { threshold_ms: 5000 } },
    { name: test-policy-3, type: numeric_attribute, numeric_attribute: { key: key1, min_value: 50, max_value: 100 } },
    { name: test-policy-4, type: probabilistic, probabilistic: { sampling_percentage: 10 } },
    { name: test-policy-5, type: status_code, status_code: { status_codes: [ERROR, UNSET] } },
    { name: test-policy-6, type: string_attribute, string_attribute: { key: key2, values: [value1, value2] } },
    { name: test-policy-7, type: string_attribute,
      string_attribute: { key: key2, values: [value1, val*], enabled_regex_matching: true, cache_max_size: 10 } },
    { name: test-policy-8, type: rate_limiting, rate_limiting: { spans_per_second: 35 } },
    { name: test-policy-9, type: string_attribute,
      string_attribute: { key: http.url, values: [\\/health, \\/metrics], enabled_regex_matching: true, invert_match: true } },
    { name: test-policy-10, type: span_count, span_count: { min_spans: 2, max_spans: 20 } },
    { name: test-policy-11, type: trace_state, trace_state: { key: key3, values: [value1, value2] } },
    { name: test-policy-12, type: bytes_limiting, bytes_limiting: { bytes_per_second: 10240, burst_capacity: 20480 } },
    { name: test-policy-13, type: boolean_attribute, boolean_attribute: { key: key4, value: true } },
    { name: and-policy-1, type: and,
      and: { and_sub_policy: [
        { name: test-and-policy-1, type: numeric_attribute, numeric_attribute: { key: key1, min_value: 50, max_value: 100 } },
        { name: test-and-policy-2, type: string_attribute, string_attribute: { key: key2, values: [value1, value2] } } ] } },
    { name: composite-policy-1, type: composite,
      composite: {
        max_total_spans_per_second: 1000,
        policy_order: [test-composite-policy-1, test-composite-policy-2, test-composite-policy-3],
        composite_sub_policy: [
          { name: test-composite-policy-1, type: numeric_attribute, numeric_attribute: { key: key1, min_value: 50, max_value: 100 } },
          { name: test-composite-policy-2, type: string_attribute, string_attribute: { key: key2, values: [value1, value2] } },
          { name: test-composite-policy-3, type: always_sample } ],
        rate_allocation: [ { policy: test-composite-policy-1, percent: 50 }, { policy: test-composite-policy-2, percent: 25 } ] } },
    { name: drop-policy-1, type: drop,
      drop: { drop_sub_policy: [
        { name: test-drop-policy-1, type: string_attribute,
          string_attribute: { key: url.path, values: [\\/health, \\/metrics], enabled_regex_matching: true } } ] } }
  ]
`;

describe('parseSamplingConfigText', () => {
  it('parses the Collector documentation example unchanged', () => {
    const c = parseSamplingConfigText(COLLECTOR_EXAMPLE);
    expect(c.policies.map((p) => p.type)).toEqual([
      'always_sample', 'latency', 'numeric_attribute', 'probabilistic', 'status_code', 'string_attribute',
      'string_attribute', 'rate_limiting', 'string_attribute', 'span_count', 'trace_state', 'bytes_limiting',
      'boolean_attribute', 'and', 'composite', 'drop',
    ]);
    expect(c.decisionWaitMs).toBe(10_000);
    expect(c.numTraces).toBe(100);
    expect(c.decisionCache.maxEntries).toBe(100_000);
    expect(c.policies[1]).toEqual({ name: 'test-policy-2', type: 'latency', latency: { threshold_ms: 5000, upper_threshold_ms: 0 } });
    expect(c.policies[3]).toEqual({
      name: 'test-policy-4',
      type: 'probabilistic',
      probabilistic: { hash_salt: 'default-hash-seed', sampling_percentage: 10 },
    });
    const comp = c.policies[14];
    expect(comp?.type === 'composite' && comp.composite.policy_order.length).toBe(3);
    expect(Object.isFrozen(c) && Object.isFrozen(c.policies[0])).toBe(true);
  });

  it('accepts JSON and fills the defaults, including the default policy set', () => {
    const c = parseSamplingConfigText('{"decision_wait": 5000, "max_trace_age": "1m30s"}');
    expect(c).toEqual({
      decisionWaitMs: 5000,
      rootGraceMs: 2000,
      numTraces: SAMPLING_DEFAULTS.numTraces,
      expectedNewTracesPerSec: 0,
      maxSpansPerTrace: SAMPLING_DEFAULTS.maxSpansPerTrace,
      maxTraceBytes: SAMPLING_DEFAULTS.maxTraceBytes,
      maxTraceAgeMs: 90_000,
      decisionCache: { ttlMs: SAMPLING_DEFAULTS.decisionCacheTtlMs, maxEntries: SAMPLING_DEFAULTS.decisionCacheMaxEntries },
      policies: DEFAULT_POLICIES,
    });
    expect(parseSamplingConfigText('').policies).toBe(DEFAULT_POLICIES);
  });

  it('parses not, adaptive and nested and policies', () => {
    const c = parseSamplingConfigText(`
policies:
  - name: not-internal
    type: not
    not: { not_sub_policy: { name: internal, type: string_attribute, string_attribute: { key: k, values: [v] } } }
  - name: per-endpoint
    type: adaptive
    adaptive: { target_traces_per_second: 5, adjustment_interval: 30s, key_fields: [service.name, http.route] }
`);
    expect(c.policies[1]).toEqual({
      name: 'per-endpoint',
      type: 'adaptive',
      adaptive: {
        target_traces_per_second: 5,
        adjustment_interval: 30_000,
        key_fields: ['service.name', 'http.route'],
        ema_weight: 0.5,
        max_keys: 10_000,
        hash_salt: 'tailstream-adaptive',
      },
    });
  });

  const p = (body: string) => `policies:\n${body}`;
  it.each([
    [
      'a wrong value type',
      p('  - { name: a, type: always_sample }\n  - { name: b, type: always_sample }\n  - { name: c, type: latency, latency: { threshold_ms: fast } }'),
      'policies[2].latency.threshold_ms: expected a number, got "fast"',
    ],
    [
      'an unknown type',
      p('  - { name: a, type: sometimes }'),
      'policies[0].type: unknown policy type "sometimes" (valid types: always_sample, probabilistic, latency, status_code, ' +
        'string_attribute, numeric_attribute, boolean_attribute, trace_state, span_count, rate_limiting, bytes_limiting, ' +
        'adaptive, and, not, drop, composite)',
    ],
    [
      'an unknown field in a policy body',
      p('  - { name: a, type: latency, latency: { threshold_ms: 1, treshold: 2 } }'),
      'policies[0].latency.treshold: unknown field (valid fields: threshold_ms, upper_threshold_ms)',
    ],
    ['an unknown top-level field', 'decision_wiat: 1s', 'decision_wiat: unknown field (valid fields: decision_wait, root_grace, num_traces, expected_new_traces_per_sec, max_spans_per_trace, max_trace_bytes, max_trace_age, decision_cache, policies)'],
    ['a missing body', p('  - { name: a, type: probabilistic }'), 'policies[0].probabilistic: required field is missing'],
    ['a missing name', p('  - { type: always_sample }'), 'policies[0].name: required field is missing'],
    ['a percentage out of range', p('  - { name: a, type: probabilistic, probabilistic: { sampling_percentage: 120 } }'), 'policies[0].probabilistic.sampling_percentage: expected a number > 0 and <= 100, got 120'],
    ['a bad status code', p('  - { name: a, type: status_code, status_code: { status_codes: [ERROR, FAILED] } }'), 'policies[0].status_code.status_codes[1]: expected one of ERROR, OK, UNSET, got "FAILED"'],
    ['a bad duration', 'decision_wait: soon', 'decision_wait: expected a duration such as "10s", "500ms" or "2m" (or milliseconds), got "soon"'],
    ['duplicate names', p('  - { name: a, type: always_sample }\n  - { name: a, type: always_sample }'), 'policies[1].name: duplicate policy name "a" (also at policies[0])'],
    ['an empty policy list', 'policies: []', 'policies: expected at least one entry'],
    ['drop nested below the top level', p('  - { name: a, type: and, and: { and_sub_policy: [ { name: d, type: drop, drop: { drop_sub_policy: [] } } ] } }'), 'policies[0].and.and_sub_policy[0].type: "drop" is only allowed in the top-level policies list'],
    ['a nested error', p('  - { name: a, type: and, and: { and_sub_policy: [ { name: x, type: span_count, span_count: { min_spans: 1.5 } } ] } }'), 'policies[0].and.and_sub_policy[0].span_count.min_spans: expected an integer, got 1.5'],
    ['a composite order naming no sub-policy', p('  - { name: c, type: composite, composite: { max_total_spans_per_second: 10, policy_order: [x], composite_sub_policy: [ { name: y, type: always_sample } ] } }'), 'policies[0].composite.policy_order[0]: expected the name of a composite_sub_policy (y), got "x"'],
    ['allocations above 100 %', p('  - { name: c, type: composite, composite: { max_total_spans_per_second: 10, composite_sub_policy: [ { name: y, type: always_sample }, { name: z, type: always_sample } ], rate_allocation: [ { policy: y, percent: 60 }, { policy: z, percent: 50 } ] } }'), 'policies[0].composite.rate_allocation: percentages add up to 110, more than 100'],
    ['a sub-policy allocated twice', p('  - { name: c, type: composite, composite: { max_total_spans_per_second: 10, composite_sub_policy: [ { name: y, type: always_sample } ], rate_allocation: [ { policy: y, percent: 10 }, { policy: y, percent: 20 } ] } }'), 'policies[0].composite.rate_allocation[1].policy: "y" already has an allocation'],
    ['a bad regex', p('  - { name: r, type: string_attribute, string_attribute: { key: k, values: ["("], enabled_regex_matching: true } }'), /^policies\[0\]\.string_attribute\.values\[0\]: invalid regular expression: /],
    ['a numeric policy without bounds', p('  - { name: n, type: numeric_attribute, numeric_attribute: { key: k } }'), 'policies[0].numeric_attribute: set min_value, max_value or both'],
    ['max_trace_age below decision_wait', 'decision_wait: 30s\nmax_trace_age: 10s', 'max_trace_age: must be at least decision_wait (30000 ms), got 10000 ms'],
    ['a policy that is not an object', p('  - latency'), 'policies[0]: expected an object, got "latency"'],
    ['a document that is not an object', '[1, 2]', '(root): expected an object, got a list'],
  ])('rejects %s with a message naming the path', (_label, text, message) => {
    let caught: unknown;
    try {
      parseSamplingConfigText(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toMatch(typeof message === 'string' ? new RegExp(`^${escape(message)}$`) : message);
  });

  it('prefixes paths when the block is embedded in a larger document', () => {
    expect(() => parseSamplingConfig({ num_traces: -1 }, 'sampling')).toThrow('sampling.num_traces: expected an integer >= 1, got -1');
  });
});

describe('parseDuration', () => {
  it.each([
    ['10s', 10_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    [250, 250],
  ] as const)('%j → %d ms', (input, ms) => {
    expect(parseDuration(input, 'x')).toBe(ms);
  });
  it.each(['', '10', '10 s', '-1s', 's', '1d'])('rejects %j', (input) => {
    expect(() => parseDuration(input, 'x')).toThrow(ConfigError);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
