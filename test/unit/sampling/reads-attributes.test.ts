import { describe, expect, it } from 'vitest';
import { parseSamplingConfigText } from '../../../src/sampling/config.ts';
import { readsAttributes } from '../../../src/sampling/policies/reads-attributes.ts';

const reads = (policies: string): boolean => parseSamplingConfigText(`policies:\n${policies}`).policies.some(readsAttributes);

describe('readsAttributes: which policies need fully decoded spans at the decision', () => {
  it('the default policies (errors, slow, probabilistic) read none', () => {
    expect(parseSamplingConfigText('decision_wait: 1s\n').policies.some(readsAttributes)).toBe(false);
  });

  it.each([
    ['string attribute', '  - { name: p, type: string_attribute, string_attribute: { key: http.route, values: [/a] } }', true],
    ['numeric attribute', '  - { name: p, type: numeric_attribute, numeric_attribute: { key: n, min_value: 1 } }', true],
    ['boolean attribute', '  - { name: p, type: boolean_attribute, boolean_attribute: { key: b, value: true } }', true],
    ['an attribute under not', '  - { name: p, type: not, not: { not_sub_policy: { name: q, type: boolean_attribute, boolean_attribute: { key: b, value: true } } } }', true],
    ['an attribute under and', '  - { name: p, type: and, and: { and_sub_policy: [ { name: q, type: always_sample }, { name: r, type: string_attribute, string_attribute: { key: k, values: [v] } } ] } }', true],
    ['adaptive keyed by an attribute', '  - { name: p, type: adaptive, adaptive: { target_traces_per_second: 5, key_fields: [http.route] } }', true],
    ['adaptive keyed by service and span name', '  - { name: p, type: adaptive, adaptive: { target_traces_per_second: 5, key_fields: [service.name, span.name] } }', false],
    ['trace_state', '  - { name: p, type: trace_state, trace_state: { key: k, values: [v] } }', false],
    ['span_count under and', '  - { name: p, type: and, and: { and_sub_policy: [ { name: q, type: span_count, span_count: { min_spans: 2 } } ] } }', false],
  ])('%s', (_, yaml, expected) => {
    expect(reads(yaml)).toBe(expected);
  });
});
