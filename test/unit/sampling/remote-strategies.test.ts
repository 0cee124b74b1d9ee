import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { computeWindow, nextProbability, opKey } from '../../../src/sampling/remote/adaptive-calc.ts';
import { parseRemoteSamplingConfig, type AdaptiveConfig } from '../../../src/sampling/remote/config.ts';
import { adaptiveStrategy, staticStrategy, strategyJson } from '../../../src/sampling/remote/strategies.ts';

/** Jaeger's file-based strategies example (its documentation's strategies.json), as YAML. */
const JAEGER_EXAMPLE = parse(`
service_strategies:
  - service: foo
    type: probabilistic
    param: 0.8
    operation_strategies:
      - { operation: op1, type: probabilistic, param: 0.2 }
      - { operation: op2, type: probabilistic, param: 0.4 }
  - { service: bar, type: ratelimiting, param: 5 }
default_strategy:
  type: probabilistic
  param: 0.5
  operation_strategies:
    - { operation: /health, type: probabilistic, param: 0.0 }
    - { operation: /metrics, type: probabilistic, param: 0.0 }
`) as unknown;

describe('remote sampling strategies (Jaeger file format) → Jaeger JSON', () => {
  const config = parseRemoteSamplingConfig(JAEGER_EXAMPLE);

  it.each([
    ['bar', '{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":5},"operationSampling":{"defaultSamplingProbability":0.5,"defaultLowerBoundTracesPerSecond":0,"perOperationStrategies":[{"operation":"/health","probabilisticSampling":{"samplingRate":0}},{"operation":"/metrics","probabilisticSampling":{"samplingRate":0}}],"defaultUpperBoundTracesPerSecond":0}}'],
    ['foo', '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.8},"operationSampling":{"defaultSamplingProbability":0.8,"defaultLowerBoundTracesPerSecond":0,"perOperationStrategies":[{"operation":"/health","probabilisticSampling":{"samplingRate":0}},{"operation":"/metrics","probabilisticSampling":{"samplingRate":0}},{"operation":"op1","probabilisticSampling":{"samplingRate":0.2}},{"operation":"op2","probabilisticSampling":{"samplingRate":0.4}}],"defaultUpperBoundTracesPerSecond":0}}'],
    ['unlisted', '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5},"operationSampling":{"defaultSamplingProbability":0.5,"defaultLowerBoundTracesPerSecond":0,"perOperationStrategies":[{"operation":"/health","probabilisticSampling":{"samplingRate":0}},{"operation":"/metrics","probabilisticSampling":{"samplingRate":0}}],"defaultUpperBoundTracesPerSecond":0}}'],
  ])('%s', (service, json) => {
    expect(strategyJson(staticStrategy(config, service))).toBe(json);
  });

  it('no section: every service samples everything (tail sampling decides)', () => {
    expect(strategyJson(staticStrategy(parseRemoteSamplingConfig(undefined), 'any'))).toBe('{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":1}}');
  });

  it('adaptive: computed operations under the fixed default ones, lower bound served', () => {
    const r = adaptiveStrategy(parseRemoteSamplingConfig({ default_strategy: { operation_strategies: [{ operation: '/health', param: 0 }] }, adaptive: {} }), [{ operation: 'GET /a', probability: 0.25 }, { operation: '/health', probability: 0.9 }], 0.5, 1);
    expect(strategyJson(r)).toBe('{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":1},"operationSampling":{"defaultSamplingProbability":1,"defaultLowerBoundTracesPerSecond":0.5,"perOperationStrategies":[{"operation":"/health","probabilisticSampling":{"samplingRate":0}},{"operation":"GET /a","probabilisticSampling":{"samplingRate":0.25}}],"defaultUpperBoundTracesPerSecond":0}}');
  });

  it.each([
    [{ service_strategies: [{ service: 'a', type: 'const', param: 1 }] }, /remote_sampling\.service_strategies\[0\]\.type: expected probabilistic or ratelimiting, got "const"/],
    [{ service_strategies: [{ service: 'a', param: 1.5 }] }, /remote_sampling\.service_strategies\[0\]\.param: .*<= 1/],
    [{ service_strategies: [{ service: 'a', param: 0.5, operation_strategies: [{ operation: 'x', type: 'ratelimiting', param: 2 }] }] }, /operation_strategies\[0\]\.type: per-operation strategies are probabilistic only/],
    [{ service_strategies: [{ service: 'a', param: 0.5 }, { service: 'a', param: 0.1 }] }, /service_strategies\[1\]\.service: service "a" appears twice/],
    [{ adaptive: { target_samples_per_second: 0 } }, /remote_sampling\.adaptive\.target_samples_per_second/],
    [{ adaptive: { targets: 1 } }, /remote_sampling\.adaptive\.targets: unknown field/],
    [{ default_stratgy: {} }, /remote_sampling\.default_stratgy: unknown field/],
  ])('invalid config %#: the error names the field', (doc, message) => {
    expect(() => parseRemoteSamplingConfig(doc)).toThrow(message);
  });
});

describe("adaptive step (Jaeger's calculateProbability)", () => {
  const cfg: AdaptiveConfig = { ...parseRemoteSamplingConfig({ adaptive: { target_samples_per_second: 10, delta_tolerance: 0.1 } }).adaptive! };

  it.each([
    ['within tolerance: unchanged', 0.2, 10.5, 0.2],
    ['too many: scaled down at once', 0.2, 40, 0.05],
    ['too few: scaled up, capped at +50 %', 0.2, 2, 0.3],
    ['too few, within the cap', 0.2, 8, 0.25],
    ['nothing observed: doubled', 0.2, 0, 0.4],
    ['never above 1', 0.9, 1, 1],
    ['never below the minimum', 1e-5, 1e6, 1e-5],
  ])('%s', (_name, old, qps, expected) => {
    expect(nextProbability(cfg, old, qps)).toBeCloseTo(expected, 12);
  });

  it('computes every operation seen in the window or recently, from the initial probability when new', () => {
    const out = computeWindow(cfg, {
      previous: new Map([[opKey('s', 'a'), 0.5]]),
      counts: new Map([[opKey('s', 'a'), 1200], [opKey('s', 'new'), 60]]),
      recent: new Set([opKey('s', 'gone')]),
      windowSeconds: 60,
    });
    expect([...out]).toEqual([
      [opKey('s', 'a'), { probability: 0.25, qps: 20 }],
      [opKey('s', 'gone'), { probability: 1, qps: 0 }],
      [opKey('s', 'new'), { probability: 1, qps: 1 }],
    ]);
  });
});
