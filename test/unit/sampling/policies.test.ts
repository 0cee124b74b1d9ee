import { describe, expect, it } from 'vitest';
import { StatusCode } from '../../../src/model/span.ts';
import { booleanAttribute, numericAttribute, stringAttribute, traceState } from '../../../src/sampling/policies/attributes.ts';
import { alwaysSample, latency, spanCount, statusCode, traceDurationMs } from '../../../src/sampling/policies/simple.ts';
import type { Outcome, PolicyEvaluator } from '../../../src/sampling/policies/types.ts';
import { trace } from './fixtures.ts';
import type { SpanSpec } from './fixtures.ts';

type Case = [label: string, spans: SpanSpec[], want: Outcome];

function table(policy: PolicyEvaluator, cases: Case[]): void {
  it.each(cases)('%s', (_label, spans, want) => {
    expect(policy.evaluate(trace(spans), 0).outcome).toBe(want);
  });
}

describe('always_sample', () => {
  table(alwaysSample('all'), [
    ['keeps an ordinary trace', [{}], 'sampled'],
    ['keeps an empty trace', [], 'sampled'],
  ]);
});

describe('latency', () => {
  it('measures max end − min start across spans', () => {
    expect(traceDurationMs(trace([{ startMs: 100, durationMs: 50 }, { startMs: 0, durationMs: 20 }]))).toBe(150);
  });
  describe('threshold only', () => {
    table(latency('slow', { threshold_ms: 1000, upper_threshold_ms: 0 }), [
      ['keeps exactly the threshold', [{ durationMs: 1000 }], 'sampled'],
      ['drops just under it', [{ durationMs: 999 }], 'not_sampled'],
      ['keeps a trace whose spans only together exceed it', [{ durationMs: 600 }, { startMs: 500, durationMs: 600 }], 'sampled'],
      ['does not keep an empty trace', [], 'not_sampled'],
    ]);
  });
  describe('with upper threshold', () => {
    table(latency('band', { threshold_ms: 100, upper_threshold_ms: 200 }), [
      ['keeps inside the band', [{ durationMs: 150 }], 'sampled'],
      ['keeps the upper bound', [{ durationMs: 200 }], 'sampled'],
      ['drops above the band', [{ durationMs: 201 }], 'not_sampled'],
      ['drops below the band', [{ durationMs: 99 }], 'not_sampled'],
    ]);
  });
});

describe('status_code', () => {
  table(statusCode('errors', { status_codes: ['ERROR'] }), [
    ['keeps a trace with one error span', [{}, { status: StatusCode.ERROR }], 'sampled'],
    ['drops an all-OK trace', [{ status: StatusCode.OK }], 'not_sampled'],
    ['drops an UNSET trace', [{}], 'not_sampled'],
  ]);
  describe('several codes', () => {
    table(statusCode('ok-or-unset', { status_codes: ['OK', 'UNSET'] }), [
      ['keeps UNSET', [{}], 'sampled'],
      ['drops ERROR only', [{ status: StatusCode.ERROR }], 'not_sampled'],
    ]);
  });
});

describe('string_attribute', () => {
  const base = { key: 'http.route', values: ['/checkout', '/pay'], enabled_regex_matching: false, cache_max_size: 4, invert_match: false };
  describe('exact', () => {
    table(stringAttribute('routes', base), [
      ['matches a span attribute', [{}, { attributes: { 'http.route': '/pay' } }], 'sampled'],
      ['matches a resource attribute', [{ resource: { 'http.route': '/checkout' } }], 'sampled'],
      ['does not match a prefix', [{ attributes: { 'http.route': '/checkout/1' } }], 'not_sampled'],
      ['ignores non-string values', [{ attributes: { 'http.route': 1n } }], 'not_sampled'],
      ['drops when the key is absent', [{}], 'not_sampled'],
    ]);
  });
  describe('regex (unanchored, like Go MatchString)', () => {
    table(stringAttribute('re', { ...base, values: ['^/api/v[0-9]+/', 'admin'], enabled_regex_matching: true }), [
      ['matches an anchored pattern', [{ attributes: { 'http.route': '/api/v2/users' } }], 'sampled'],
      ['matches a substring', [{ attributes: { 'http.route': '/x/admin/y' } }], 'sampled'],
      ['drops a non-match', [{ attributes: { 'http.route': '/api/vx/' } }], 'not_sampled'],
    ]);
  });
  describe('invert_match', () => {
    table(stringAttribute('not-health', { ...base, key: 'http.target', values: ['/health'], invert_match: true }), [
      ['a match is inverted_not_sampled', [{}, { attributes: { 'http.target': '/health' } }], 'inverted_not_sampled'],
      ['no match is inverted_sampled', [{ attributes: { 'http.target': '/orders' } }], 'inverted_sampled'],
      ['absent key is inverted_sampled', [{}], 'inverted_sampled'],
    ]);
  });
  it('bounds its regex cache to cache_max_size and still answers correctly after eviction', () => {
    const p = stringAttribute('re', { ...base, values: ['^/a'], enabled_regex_matching: true, cache_max_size: 3 });
    const routes = ['/a1', '/b1', '/a2', '/b2', '/a3', '/a1', '/b1'];
    const got = routes.map((r) => p.evaluate(trace([{ attributes: { 'http.route': r } }]), 0).outcome);
    expect(got).toEqual(routes.map((r) => (r.startsWith('/a') ? 'sampled' : 'not_sampled')));
    expect(p.stateSize?.()).toBe(3);
  });
});

describe('numeric_attribute', () => {
  describe('closed range', () => {
    table(numericAttribute('status', { key: 'http.status_code', min_value: 500, max_value: 599, invert_match: false }), [
      ['keeps an int inside', [{ attributes: { 'http.status_code': 503n } }], 'sampled'],
      ['keeps the lower bound', [{ attributes: { 'http.status_code': 500n } }], 'sampled'],
      ['keeps the upper bound', [{ attributes: { 'http.status_code': 599n } }], 'sampled'],
      ['keeps a double inside', [{ attributes: { 'http.status_code': 550.5 } }], 'sampled'],
      ['drops outside', [{ attributes: { 'http.status_code': 404n } }], 'not_sampled'],
      ['ignores a string number', [{ attributes: { 'http.status_code': '503' } }], 'not_sampled'],
    ]);
  });
  describe('open upper bound', () => {
    table(numericAttribute('big', { key: 'bytes', min_value: 1000, invert_match: false }), [
      ['keeps a huge value', [{ attributes: { bytes: 10n ** 12n } }], 'sampled'],
      ['drops below', [{ attributes: { bytes: 999n } }], 'not_sampled'],
    ]);
  });
  describe('invert_match', () => {
    table(numericAttribute('not-5xx', { key: 'code', min_value: 500, max_value: 599, invert_match: true }), [
      ['a match vetoes', [{ attributes: { code: 500n } }], 'inverted_not_sampled'],
      ['a non-match is inverted_sampled', [{ attributes: { code: 200n } }], 'inverted_sampled'],
    ]);
  });
});

describe('boolean_attribute', () => {
  table(booleanAttribute('debug', { key: 'debug', value: true, invert_match: false }), [
    ['keeps a true span attribute', [{ attributes: { debug: true } }], 'sampled'],
    ['keeps a true resource attribute', [{ resource: { debug: true } }], 'sampled'],
    ['drops false', [{ attributes: { debug: false } }], 'not_sampled'],
    ['drops the string "true"', [{ attributes: { debug: 'true' } }], 'not_sampled'],
  ]);
  describe('invert_match', () => {
    table(booleanAttribute('no-synthetic', { key: 'synthetic', value: true, invert_match: true }), [
      ['a match vetoes', [{ attributes: { synthetic: true } }], 'inverted_not_sampled'],
      ['no match', [{}], 'inverted_sampled'],
    ]);
  });
});

describe('trace_state', () => {
  table(traceState('ts', { key: 'vendor', values: ['keep', 'debug'] }), [
    ['keeps a listed value', [{ traceState: 'other=1,vendor=keep' }], 'sampled'],
    ['tolerates spaces around members', [{ traceState: 'a=b , vendor=debug' }], 'sampled'],
    ['drops another value', [{ traceState: 'vendor=drop' }], 'not_sampled'],
    ['drops the value under another key', [{ traceState: 'x=keep' }], 'not_sampled'],
    ['drops an empty trace state', [{}], 'not_sampled'],
  ]);
});

describe('span_count', () => {
  const p = spanCount('mid', { min_spans: 2, max_spans: 3 });
  it.each([
    [1, 'not_sampled'],
    [2, 'sampled'],
    [3, 'sampled'],
    [4, 'not_sampled'],
  ] as const)('%d spans → %s', (n, want) => {
    expect(p.evaluate(trace(Array.from({ length: n }, () => ({}))), 0).outcome).toBe(want);
  });
  it('counts spanCount, not the (truncated) spans held', () => {
    const open = spanCount('many', { min_spans: 1000, max_spans: 0 });
    expect(open.evaluate(trace([{}], { spanCount: 5000 }), 0).outcome).toBe('sampled');
  });
});
